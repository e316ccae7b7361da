package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tailor-sh/tailor/pkg/convert"
)

const convertExample = `  # Convert a v1alpha5 Provisioner and its AWSNodeTemplate, writing v1 YAML
  kubectl tailor convert -f provisioner.yaml -f awsnodetemplate.yaml > v1.yaml

  # Convert v1beta1 NodePools read from stdin, writing a v1 List as JSON
  cat nodepools.yaml | kubectl tailor convert -f - -o json

  # Convert every manifest of a folder, then apply the result
  kubectl tailor convert -f manifests/ | kubectl apply -f -

  # Supply what tutorial manifests leave out, as Karpenter's getting-started guide
  # sets up the cluster "demo": node class "default", its node role, and the subnets
  # and security groups tagged karpenter.sh/discovery: demo
  kubectl tailor convert -f nodepool.yaml --cluster-name demo --role KarpenterNodeRole-demo`

// convertOptions are the flags of convert and where it reads and writes.
type convertOptions struct {
	filenames []string
	output    string
	// supply is what the flags supply to manifests that leave it out.
	supply convert.Options
	in     io.Reader
	out    io.Writer
	errOut io.Writer
}

func newConvertCommand() *cobra.Command {
	o := &convertOptions{}
	cmd := &cobra.Command{
		Use:   "convert -f FILENAME [-f FILENAME...] [-o yaml|json]",
		Short: "Rewrite Karpenter v1alpha5 and v1beta1 manifests as v1",
		Long: `Convert rewrites Karpenter manifests of the APIs before v1 as the v1 objects this
autoscaler serves:

  karpenter.sh/v1alpha5 Provisioner          -> karpenter.sh/v1 NodePool
  karpenter.k8s.aws/v1alpha1 AWSNodeTemplate -> karpenter.k8s.aws/v1 EC2NodeClass
  karpenter.sh/v1beta1 NodePool              -> karpenter.sh/v1 NodePool
  karpenter.k8s.aws/v1beta1 EC2NodeClass     -> karpenter.k8s.aws/v1 EC2NodeClass

A Provisioner's inline spec.provider becomes an EC2NodeClass of its own, and kubelet
settings move from the NodePool to the EC2NodeClass it names, so give the NodePools and
their node classes together. Other documents, and those already in v1, pass through as
they are. Each converted object is written after comment lines listing what changed
(with -o json, the list goes to stderr).

v1 requires what older manifests, tutorials' above all, may leave out. The flags
supply it the way Karpenter's getting-started guide sets a cluster up, each change
listed: --node-class names the EC2NodeClass of NodePools that name none (a class that
is not among the inputs is fine: it may be in the cluster), --role or
--instance-profile the IAM identity of node classes with neither, and --cluster-name
selects, for node classes without subnet or security group selectors, those tagged
karpenter.sh/discovery with the cluster's name.

Convert works on files alone: it never contacts a cluster. When a document has no v1
form (an unknown field, a launch template, a placeholder where a label value belongs),
it says which document and field, and writes nothing at all; when a flag would supply
what is missing, it names the flag.`,
		Example: convertExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.in, o.out, o.errOut = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			return o.run()
		},
	}
	cmd.Flags().StringArrayVarP(&o.filenames, "filename", "f", nil, "file or folder of manifests to convert (YAML or JSON); - reads stdin")
	cmd.Flags().StringVarP(&o.output, "output", "o", "yaml", "output format: yaml or json (a v1 List)")
	cmd.Flags().StringVar(&o.supply.NodeClass, "node-class", "default", "give NodePools and Provisioners that name no node class the EC2NodeClass `NAME` (\"\" refuses them)")
	cmd.Flags().StringVar(&o.supply.Role, "role", "", "give node classes with neither role nor instance profile the node IAM role `NAME`")
	cmd.Flags().StringVar(&o.supply.InstanceProfile, "instance-profile", "", "give node classes with neither role nor instance profile the instance profile `NAME` (with --role, AWSNodeTemplates take this one)")
	cmd.Flags().StringVar(&o.supply.ClusterName, "cluster-name", "", "give node classes that select no subnets or security groups those tagged karpenter.sh/discovery: `NAME`")
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}

// run converts every input first and writes only when all of it converted.
func (o *convertOptions) run() error {
	if o.output != "yaml" && o.output != "json" {
		return fmt.Errorf("unsupported output format %q: want yaml or json", o.output)
	}
	if err := o.supply.Validate(); err != nil {
		return err
	}
	srcs, err := o.sources()
	if err != nil {
		return err
	}
	objs, err := o.supply.Convert(srcs...)
	if err != nil {
		return fmt.Errorf("nothing written, %s:\n%w", count(len(convert.FieldErrors(err)), "problem"), err)
	}
	var buf bytes.Buffer
	if o.output == "json" {
		err = convert.WriteJSON(&buf, objs)
		if err == nil {
			err = convert.WriteChanges(o.errOut, objs)
		}
	} else {
		err = convert.WriteYAML(&buf, objs)
	}
	if err != nil {
		return err
	}
	_, err = o.out.Write(buf.Bytes())
	return err
}

// sources reads every file named by -f; a folder stands for its .yaml, .yml and .json
// files.
func (o *convertOptions) sources() ([]convert.Source, error) {
	var srcs []convert.Source
	for _, name := range o.filenames {
		files, err := expand(name)
		if err != nil {
			return nil, err
		}
		for _, file := range files {
			data, err := o.read(file)
			if err != nil {
				return nil, err
			}
			srcs = append(srcs, convert.Source{Name: file, Data: data})
		}
	}
	return srcs, nil
}

func (o *convertOptions) read(file string) ([]byte, error) {
	if file == "-" {
		data, err := io.ReadAll(o.in)
		if err != nil {
			return nil, fmt.Errorf("reading stdin, %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading %s, %w", file, err)
	}
	return data, nil
}

func expand(name string) ([]string, error) {
	if name == "-" {
		return []string{name}, nil
	}
	info, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s, %w", name, err)
	}
	if !info.IsDir() {
		return []string{name}, nil
	}
	entries, err := os.ReadDir(name)
	if err != nil {
		return nil, fmt.Errorf("reading folder %s, %w", name, err)
	}
	var files []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
			files = append(files, filepath.Join(name, e.Name()))
		}
	}
	sort.Strings(files)
	return files, nil
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
