// Package projectcatalog builds the project's catalog (pkg/ec2sim/catalog) into
// instance types with the AWS provider's own conversion, as the launcher would:
// the EC2 simulator serves the catalog on a loopback port and the provider
// discovers it through the real SDK client. hack/catalog-gen writes the result
// to the file pkg/planner/planio embeds, so that binaries that plan (the
// scheduler) carry neither the simulator nor the SDK.
package projectcatalog

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
	"github.com/tailor-sh/tailor/pkg/ec2sim"
	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
	"github.com/tailor-sh/tailor/pkg/planner/planio"
	"github.com/tailor-sh/tailor/pkg/providers/aws/instancetype"
	"github.com/tailor-sh/tailor/pkg/providers/aws/pricing"
	"github.com/tailor-sh/tailor/pkg/providers/aws/settings"
	"github.com/tailor-sh/tailor/pkg/providers/aws/unavailable"
)

// Zones are the catalog region's zones the generated file names ids for.
var Zones = []string{catalog.Region + "a", catalog.Region + "b", catalog.Region + "c", catalog.Region + "d"}

// Build converts the catalog in its region's Zones.
func Build() (planio.ProjectCatalog, error) {
	region := catalog.Region
	sim := ec2sim.New(ec2sim.Options{Region: region, Zones: Zones})
	defer sim.Close()
	client := ec2.New(ec2.Options{
		Region:       region,
		BaseEndpoint: aws.String(sim.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDPLANNER", "planner-secret", ""),
	})
	ctx := log.IntoContext(context.Background(), logr.Discard())
	clk := clock.RealClock{}
	provider := instancetype.NewProvider(client, pricing.NewProvider(nil, client, region, clk), unavailable.New(clk), settings.Settings{Region: region, ClusterName: "planner"})
	if err := provider.UpdateInstanceTypes(ctx); err != nil {
		return planio.ProjectCatalog{}, err
	}
	if err := provider.UpdateInstanceTypeOfferings(ctx); err != nil {
		return planio.ProjectCatalog{}, err
	}
	built, err := provider.List(nil)
	if err != nil {
		return planio.ProjectCatalog{}, err
	}
	out := planio.ProjectCatalog{Region: region, ZoneIDs: map[string]string{}}
	for _, z := range Zones {
		out.ZoneIDs[z] = sim.ZoneID(z)
	}
	specs := catalog.ByName()
	for _, it := range built {
		spec, ok := specs[it.Name]
		if !ok || spec.OnDemandPricePerHour <= 0 {
			continue
		}
		t := planio.ProjectType{
			Name: it.Name, Capacity: it.Capacity, Overhead: it.Overhead, OnDemandPricePerHour: spec.OnDemandPricePerHour,
			SpotOK: slices.Contains(spec.SupportedUsageClasses, wellknown.CapacityTypeSpot),
		}
		for _, key := range it.Requirements.Keys() {
			if key == corev1.LabelTopologyZone || key == wellknown.CapacityTypeLabelKey || key == wellknown.ZoneIDLabelKey {
				continue // set from the offerings when loaded
			}
			t.Requirements = append(t.Requirements, it.Requirements.Get(key).NodeSelectorRequirement())
		}
		out.Types = append(out.Types, t)
	}
	if len(out.Types) == 0 {
		return out, fmt.Errorf("the provider built no priced instance type")
	}
	return out, nil
}
