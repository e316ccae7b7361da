package convert

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

// Object is one object of the output, in input order.
type Object struct {
	// From is the input document the object was made from.
	From Doc
	// Object is the v1 object, or the document as read when it passed through.
	Object map[string]any
	// Changes say, in plain words, what conversion changed; empty when unchanged.
	Changes []string
	// Unchanged says why the document passed through as it was; empty when converted.
	Unchanged string
	// raw is the text of an unchanged document, so comments survive.
	raw []byte
}

func (o *Object) change(format string, args ...any) {
	o.Changes = append(o.Changes, fmt.Sprintf(format, args...))
}

// Kinds and versions this package reads.
var (
	provisionerGVK     = "karpenter.sh/v1alpha5 Provisioner"
	awsNodeTemplateGVK = "karpenter.k8s.aws/v1alpha1 AWSNodeTemplate"
	nodePoolBetaGVK    = "karpenter.sh/v1beta1 NodePool"
	nodeClassBetaGVK   = "karpenter.k8s.aws/v1beta1 EC2NodeClass"
	nodePoolGVK        = karpv1.GroupVersion.String() + " NodePool"
	nodeClassGVK       = ec2v1.GroupVersion.String() + " EC2NodeClass"
)

// Convert reads every document of srcs and returns them as v1 objects: Provisioners
// and v1beta1 NodePools become NodePools, AWSNodeTemplates and v1beta1 EC2NodeClasses
// become EC2NodeClasses, and everything else (v1 objects, other kinds) passes through
// unchanged. Documents are converted together because v1 moved settings between
// kinds (kubelet from NodePool to EC2NodeClass). When any document has no v1 form,
// Convert returns no objects and an error joining one FieldError per problem.
// Manifests that leave out what v1 requires are refused: Options.Convert supplies it.
func Convert(srcs ...Source) ([]Object, error) {
	return Options{}.Convert(srcs...)
}

// Convert converts as the function Convert does, supplying from o what the
// documents leave out and v1 requires.
func (o Options) Convert(srcs ...Source) ([]Object, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("checking the options, %w", err)
	}
	cv := &conversion{opts: o}
	for _, src := range srcs {
		for _, d := range readDocuments(src, &cv.probs) {
			cv.document(d)
		}
	}
	cv.moveKubelets()
	cv.checkNames()
	if err := cv.probs.err(); err != nil {
		return nil, err
	}
	cv.checkV1()
	if err := cv.probs.err(); err != nil {
		return nil, err
	}
	out := make([]Object, len(cv.objects))
	for i, o := range cv.objects {
		out[i] = *o
	}
	return out, nil
}

// conversion is the state of one Convert call.
type conversion struct {
	opts     Options
	probs    problems
	objects  []*Object
	kubelets []kubeletMove
}

func (cv *conversion) document(d document) {
	c := &docConv{doc: d.doc, opts: cv.opts, probs: &cv.probs, nbspIndent: d.nbspIndent}
	root := fields{c: c, m: runtime.DeepCopyJSON(d.obj)}
	gvk := d.doc.APIVersion + " " + d.doc.Kind
	group := groupOf(d.doc.APIVersion)
	switch {
	case d.doc.APIVersion == "" || d.doc.Kind == "":
		c.fail(nil, "no apiVersion or kind: not a Kubernetes object")
	case gvk == provisionerGVK:
		cv.provisioner(c, root)
	case gvk == awsNodeTemplateGVK:
		cv.awsNodeTemplate(c, root)
	case gvk == nodePoolBetaGVK:
		cv.nodePoolBeta(c, root)
	case gvk == nodeClassBetaGVK:
		cv.nodeClassBeta(c, root)
	case gvk == nodePoolGVK || gvk == nodeClassGVK || gvk == karpv1.GroupVersion.String()+" NodeClaim":
		cv.keep(d, "already "+karpv1.GroupVersion.Version)
	case d.doc.Kind == "Machine" || d.doc.Kind == "NodeClaim":
		c.fail(nil, "%s objects are made by the autoscaler from NodePools, not written by hand, so there is nothing to migrate: remove this document", d.doc.Kind)
	case group == wellknown.Group || group == wellknown.AWSGroup:
		c.fail(nil, "unknown Karpenter kind or version: this converts %s, %s, %s and %s", provisionerGVK, awsNodeTemplateGVK, nodePoolBetaGVK, nodeClassBetaGVK)
	default:
		cv.keep(d, "not a Karpenter object")
	}
}

func (cv *conversion) keep(d document, why string) {
	cv.objects = append(cv.objects, &Object{From: d.doc, Object: d.obj, Unchanged: why, raw: d.raw})
}

// newObject starts the v1 object made from the document read by root: apiVersion,
// kind and metadata. It records the change of kind and drops status.
func (cv *conversion) newObject(c *docConv, root fields, gv fmt.Stringer, kind string) *Object {
	root.take("apiVersion")
	root.take("kind")
	out := &Object{From: c.doc}
	out.change("%s %s -> %s %s", c.doc.APIVersion, c.doc.Kind, gv, kind)
	if c.nbspIndent {
		out.change("the document was indented with non-breaking spaces (U+00A0): read as spaces")
	}
	out.Object = map[string]any{"apiVersion": gv.String(), "kind": kind, "metadata": c.objectMeta(root, out)}
	if _, ok := root.take("status"); ok {
		out.change("status dropped: the API server and the launcher write it")
	}
	cv.objects = append(cv.objects, out)
	return out
}
