package nodeclass

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/tailor-sh/tailor/pkg/apis/ec2/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/providers/aws/sdk"
)

// candidate is an AMI a selector matched, with the instance types it suits.
type candidate struct {
	id, name     string
	created      time.Time
	requirements []corev1.NodeSelectorRequirement
}

// amis returns the newest AMI per requirement set among those the terms match,
// newest first.
func (r *Resolver) amis(ctx context.Context, nodeClass *ec2v1.EC2NodeClass) ([]ec2v1.AMI, error) {
	terms := nodeClass.Spec.AMISelectorTerms
	var cands []candidate
	var err error
	if len(terms) == 1 && terms[0].Alias != "" {
		cands, err = r.aliasAMIs(ctx, terms[0].Alias)
	} else {
		cands, err = r.selectedAMIs(ctx, terms)
	}
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("no available AMI matches amiSelectorTerms %s", describeAMITerms(terms))
	}
	return newestPerRequirements(cands), nil
}

// aliasAMIs resolves family@version through the public SSM parameters. A missing
// accelerated or arm64 image is skipped; the alias fails only when no parameter
// exists, naming the first one tried.
func (r *Resolver) aliasAMIs(ctx context.Context, raw string) ([]candidate, error) {
	a, err := parseAlias(raw)
	if err != nil {
		return nil, err
	}
	params := a.parameters(r.settings.KubernetesVersion)
	byImage := map[string][]aliasParameter{}
	for _, p := range params {
		id, err := r.parameter(ctx, p.path)
		if sdk.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		byImage[id] = append(byImage[id], p)
	}
	if len(byImage) == 0 {
		return nil, fmt.Errorf("SSM parameter %s not found: AMI alias %s does not exist for Kubernetes %s", params[0].path, raw, r.settings.KubernetesVersion)
	}
	images, err := r.describeImages(ctx, &ec2.DescribeImagesInput{Filters: []ec2types.Filter{filter("image-id", imageIDs(byImage)...)}})
	if err != nil {
		return nil, fmt.Errorf("describing the images of AMI alias %s, %w", raw, err)
	}
	var out []candidate
	for _, img := range images {
		for _, p := range byImage[aws.ToString(img.ImageId)] {
			for _, v := range p.variants {
				out = append(out, newCandidate(img, aliasRequirements(p, v)))
			}
		}
	}
	return out, nil
}

// imageIDs returns the keys of m, sorted.
func imageIDs(m map[string][]aliasParameter) []string {
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// parameter returns the value of an SSM parameter.
func (r *Resolver) parameter(ctx context.Context, name string) (string, error) {
	out, err := r.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("getting SSM parameter %s, %w", name, err)
	}
	if out.Parameter == nil || aws.ToString(out.Parameter.Value) == "" {
		return "", fmt.Errorf("getting SSM parameter %s, it has no value", name)
	}
	return aws.ToString(out.Parameter.Value), nil
}

// selectedAMIs returns the available images any tags, id, name or ssmParameter term
// matches. Their requirements are their architecture (and Windows) only.
func (r *Resolver) selectedAMIs(ctx context.Context, terms []ec2v1.AMISelectorTerm) ([]candidate, error) {
	var out []candidate
	seen := map[string]bool{}
	for _, term := range terms {
		in, err := r.imagesInput(ctx, term)
		if err != nil {
			return nil, err
		}
		images, err := r.describeImages(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("describing images of %s, %w", describeAMITerm(term), err)
		}
		for _, img := range images {
			id := aws.ToString(img.ImageId)
			arch := kubeArch(string(img.Architecture))
			if seen[id] || arch == "" || img.State != ec2types.ImageStateAvailable {
				continue
			}
			seen[id] = true
			out = append(out, newCandidate(img, imageRequirements(arch, img.Platform == ec2types.PlatformValuesWindows)))
		}
	}
	return out, nil
}

// imagesInput is the DescribeImages request of a term. Without an owner, name and
// tags terms match only the account's own and Amazon's images, so a public image
// someone else named alike is never picked.
func (r *Resolver) imagesInput(ctx context.Context, term ec2v1.AMISelectorTerm) (*ec2.DescribeImagesInput, error) {
	in := &ec2.DescribeImagesInput{Filters: tagFilters(term.Tags)}
	switch {
	case term.Alias != "":
		return nil, fmt.Errorf("alias %s must be the only amiSelectorTerm", term.Alias)
	case term.ID != "":
		in.Filters = append(in.Filters, filter("image-id", term.ID))
	case term.SSMParameter != "":
		id, err := r.parameter(ctx, term.SSMParameter)
		if err != nil {
			return nil, err
		}
		in.Filters = append(in.Filters, filter("image-id", id))
	case term.Name != "":
		in.Filters = append(in.Filters, filter("name", term.Name))
	}
	if len(in.Filters) == 0 {
		return nil, fmt.Errorf("amiSelectorTerm %s sets none of tags, id, name, ssmParameter and alias; set one", describeAMITerm(term))
	}
	if term.Owner != "" {
		in.Owners = []string{term.Owner}
	} else if term.Name != "" || len(term.Tags) > 0 {
		in.Owners = []string{"self", "amazon"}
	}
	return in, nil
}

func (r *Resolver) describeImages(ctx context.Context, in *ec2.DescribeImagesInput) ([]ec2types.Image, error) {
	var out []ec2types.Image
	pages := ec2.NewDescribeImagesPaginator(r.ec2, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Images...)
	}
	return out, nil
}

func newCandidate(img ec2types.Image, reqs []corev1.NodeSelectorRequirement) candidate {
	created, _ := time.Parse(time.RFC3339, aws.ToString(img.CreationDate))
	return candidate{id: aws.ToString(img.ImageId), name: aws.ToString(img.Name), created: created, requirements: reqs}
}

// aliasRequirements are the instance types a public image variant suits: its
// architecture, and accelerators for the accelerated variants; the standard
// variant suits only types without GPUs or accelerators.
func aliasRequirements(p aliasParameter, variant string) []corev1.NodeSelectorRequirement {
	reqs := imageRequirements(p.arch, p.windows)
	switch variant {
	case variantNvidia:
		reqs = append(reqs, exists(wellknown.InstanceGPUCountLabelKey))
	case variantNeuron:
		reqs = append(reqs, exists(wellknown.InstanceAcceleratorCountLabelKey))
	default:
		reqs = append(reqs, doesNotExist(wellknown.InstanceGPUCountLabelKey), doesNotExist(wellknown.InstanceAcceleratorCountLabelKey))
	}
	return reqs
}

func imageRequirements(arch string, windows bool) []corev1.NodeSelectorRequirement {
	reqs := []corev1.NodeSelectorRequirement{{Key: wellknown.ArchLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{arch}}}
	if windows {
		reqs = append(reqs, corev1.NodeSelectorRequirement{Key: wellknown.OSLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{string(corev1.Windows)}})
	}
	return reqs
}

func exists(key string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: corev1.NodeSelectorOpExists}
}

func doesNotExist(key string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: corev1.NodeSelectorOpDoesNotExist}
}

// newestPerRequirements keeps, for each distinct requirement set, the newest
// candidate (ties: the smaller id), and returns them newest first.
func newestPerRequirements(cands []candidate) []ec2v1.AMI {
	best := map[string]candidate{}
	for _, c := range cands {
		key := requirementsKey(c.requirements)
		if b, ok := best[key]; !ok || c.created.After(b.created) || (c.created.Equal(b.created) && c.id < b.id) {
			best[key] = c
		}
	}
	kept := make([]candidate, 0, len(best))
	for _, c := range best {
		kept = append(kept, c)
	}
	sort.Slice(kept, func(i, j int) bool {
		if !kept[i].created.Equal(kept[j].created) {
			return kept[i].created.After(kept[j].created)
		}
		if kept[i].id != kept[j].id {
			return kept[i].id < kept[j].id
		}
		return requirementsKey(kept[i].requirements) < requirementsKey(kept[j].requirements)
	})
	out := make([]ec2v1.AMI, 0, len(kept))
	for _, c := range kept {
		out = append(out, ec2v1.AMI{ID: c.id, Name: c.name, Requirements: c.requirements})
	}
	return out
}

// requirementsKey is a canonical string of a requirement set.
func requirementsKey(reqs []corev1.NodeSelectorRequirement) string {
	parts := make([]string, 0, len(reqs))
	for _, r := range reqs {
		values := append([]string{}, r.Values...)
		sort.Strings(values)
		parts = append(parts, r.Key+" "+string(r.Operator)+" "+strings.Join(values, ","))
	}
	sort.Strings(parts)
	return strings.Join(parts, ";")
}
