package parity

import (
	"fmt"
	"strconv"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	schedv1alpha1 "sigs.k8s.io/scheduler-plugins/apis/scheduling/v1alpha1"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
	"github.com/tailor-sh/tailor/pkg/apis/wellknown"
)

func TestParity(t *testing.T) {
	for i, s := range scenarios() {
		t.Run(s.name, func(t *testing.T) {
			s.run(t, fmt.Sprintf("parity-%d", i))
		})
	}
}

func scenarios() []scenario {
	return []scenario{
		{name: "pods that arrive together share nodes", pods: pods(6, "web", "500m", "1Gi"),
			check: func(t *testing.T, o *outcome) { atMost(t, o, 2) }},
		{name: "node selector on arch", pools: []*karpv1.NodePool{pool("any-arch", anyArch)},
			pods:  pods(2, "arm", "1", "2Gi", nodeSelector(corev1.LabelArchStable, "arm64")),
			check: allLabelled(corev1.LabelArchStable, "arm64")},
		{name: "node selector on instance family", pods: pods(2, "fam", "1", "2Gi", nodeSelector(wellknown.InstanceFamilyLabelKey, "c6i")),
			check: allLabelled(wellknown.InstanceFamilyLabelKey, "c6i")},
		{name: "node selector on zone", pods: pods(2, "zonal", "1", "2Gi", nodeSelector(corev1.LabelTopologyZone, "us-west-2b")),
			check: allLabelled(corev1.LabelTopologyZone, "us-west-2b")},
		{name: "node selector on capacity type", pools: []*karpv1.NodePool{pool("spot-ok", allowSpot)},
			pods:  pods(2, "spot", "1", "2Gi", nodeSelector(wellknown.CapacityTypeLabelKey, "spot")),
			check: allLabelled(wellknown.CapacityTypeLabelKey, "spot")},
		{name: "required node affinity with Gt", pods: pods(2, "big", "500m", "1Gi", requireNode(wellknown.InstanceCPULabelKey, corev1.NodeSelectorOpGt, "15")),
			check: func(t *testing.T, o *outcome) {
				for name := range o.launches {
					n := o.nodes[name]
					if cpu, _ := strconv.Atoi(n.Labels[wellknown.InstanceCPULabelKey]); cpu <= 15 {
						t.Errorf("node %s has %d cpus, want > 15", n.Name, cpu)
					}
				}
			}},
		{name: "preferred node affinity", pods: pods(2, "pref", "1", "2Gi", preferNode(corev1.LabelTopologyZone, "us-west-2c"))},
		{name: "taints and tolerations", pools: []*karpv1.NodePool{pool("tainted", taint("dedicated", "batch"))},
			pods:    append(pods(2, "tolerant", "1", "2Gi", tolerate("dedicated", "batch")), pod("intolerant", "1", "2Gi")),
			pending: 1, check: func(t *testing.T, o *outcome) {
				expectEvent(t, o, "intolerant", "NoNodePoolFits")
			}},
		{name: "topology spread over zones", wholePlan: true, pods: pods(6, "spread", "500m", "1Gi", spread(corev1.LabelTopologyZone, nil)),
			check: perDomain(corev1.LabelTopologyZone, 3)},
		{name: "zone spread pods share nodes", wholePlan: true, pods: pods(12, "zshare", "500m", "1Gi", spread(corev1.LabelTopologyZone, nil)),
			check: all(perDomain(corev1.LabelTopologyZone, 3), func(t *testing.T, o *outcome) { atMost(t, o, 6) })},
		{name: "zone spread pods with a node selector share nodes", wholePlan: true, pools: []*karpv1.NodePool{pool("any-arch-spread", anyArch)},
			pods:  pods(12, "zarm", "500m", "1Gi", nodeSelector(corev1.LabelArchStable, "arm64"), spread(corev1.LabelTopologyZone, nil)),
			check: all(perDomain(corev1.LabelTopologyZone, 3), allLabelled(corev1.LabelArchStable, "arm64"), func(t *testing.T, o *outcome) { atMost(t, o, 6) })},
		{name: "topology spread over hostnames", pods: pods(4, "hspread", "500m", "1Gi", spread(corev1.LabelHostname, nil)),
			check: perDomain(corev1.LabelHostname, 4)},
		{name: "topology spread with minDomains", pods: pods(3, "mind", "250m", "512Mi", spread(corev1.LabelTopologyZone, ptrTo[int32](3))),
			check: perDomain(corev1.LabelTopologyZone, 3)},
		{name: "pod affinity over zone", pods: pods(4, "aff", "1", "2Gi", affinity(corev1.LabelTopologyZone, false)),
			check: perDomain(corev1.LabelTopologyZone, 1)},
		{name: "pod anti-affinity over hostname", pods: pods(3, "anti", "250m", "512Mi", affinity(corev1.LabelHostname, true)),
			check: perDomain(corev1.LabelHostname, 3)},
		{name: "host ports", pods: pods(3, "port", "250m", "512Mi", hostPort(8080)),
			check: perDomain(corev1.LabelHostname, 3)},
		zonalVolume(),
		{name: "DaemonSet overhead", objects: []client.Object{daemonSet("agent", "1", "1Gi")},
			pods: pods(4, "withds", "1500m", "3Gi")},
		{name: "extended resources", pools: []*karpv1.NodePool{pool("gpu")},
			pods: []*corev1.Pod{pod("cuda", "2", "8Gi", gpus(1))},
			check: func(t *testing.T, o *outcome) {
				if n := o.nodeOf("cuda"); n == nil || n.Labels[wellknown.InstanceGPUCountLabelKey] == "" {
					t.Errorf("pod cuda is not on a GPU node")
				}
			}},
		{name: "NodePool weights", pools: []*karpv1.NodePool{pool("light"), pool("heavy", weight(50), family("m6i"))},
			pods: pods(3, "weighted", "1", "2Gi"), check: allLabelled(wellknown.NodePoolLabelKey, "heavy")},
		{name: "NodePool limits", pools: []*karpv1.NodePool{pool("limited", family("m6i"), limit("8"))},
			pods: pods(12, "capped", "1", "2Gi"), pending: 5, check: func(t *testing.T, o *outcome) {
				total := resource.Quantity{}
				for name := range o.launches {
					total.Add(*o.nodes[name].Status.Capacity.Cpu())
				}
				if total.Cmp(resource.MustParse("8")) > 0 {
					t.Errorf("nodes of the limited pool have %s cpu, over the limit 8", total.String())
				}
			}},
		gang(),
		{name: "default scheduler profile", pods: pods(2, "plain", "1", "2Gi", func(p *corev1.Pod) { p.Spec.SchedulerName = "" })},
		{name: "NodePool created after its pods", poolsAfterPods: true, pods: pods(2, "early", "1", "2Gi")},
		{name: "cluster without any node", noNodes: true, pods: pods(3, "first", "500m", "1Gi")},
		{name: "second wave joins the nodes in flight", pods: pods(1, "wave1", "1", "2Gi"),
			secondWave: pods(2, "wave2", "250m", "256Mi"), check: func(t *testing.T, o *outcome) { atMost(t, o, 1) }},
		{name: "scheduler restart with nodes in flight", restart: true, pods: pods(3, "survivor", "500m", "1Gi")},
		{name: "launch fails, pods are planned again", failedLaunches: 1, pods: pods(2, "retried", "500m", "1Gi"),
			check: func(t *testing.T, o *outcome) {
				if failed := launcher.failedRequests(); len(failed) != 1 {
					t.Errorf("failed requests %v, want one", failed)
				}
				expectEvent(t, o, "retried-0", "CapacityRequestFailed")
			}},
		{name: "pod no NodePool can run", pods: []*corev1.Pod{pod("huge", "900", "1Gi")}, pending: 1,
			check: func(t *testing.T, o *outcome) {
				expectEvent(t, o, "huge", "NoNodePoolFits")
				if len(o.launches) != 0 {
					t.Errorf("%d nodes launched for a pod no NodePool can run", len(o.launches))
				}
			}},
	}
}

func zonalVolume() scenario {
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "zonal-data"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              "manual",
			PersistentVolumeSource:        corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{Driver: "ebs.csi.aws.com", VolumeHandle: "vol-1"}},
			ClaimRef:                      &corev1.ObjectReference{Namespace: "", Name: "data"},
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: []string{"us-west-2c"}}},
			}}}},
		},
	}
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Annotations: map[string]string{"pv.kubernetes.io/bind-completed": "yes"}},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: ptrTo("manual"),
			VolumeName:       "zonal-data",
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}},
		},
	}
	return scenario{name: "PVC zone topology", objects: []client.Object{pv, pvc},
		pods: []*corev1.Pod{pod("db", "1", "2Gi", func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
		})},
		check: allLabelled(corev1.LabelTopologyZone, "us-west-2c")}
}

func gang() scenario {
	pg := &schedv1alpha1.PodGroup{ObjectMeta: metav1.ObjectMeta{Name: "trainers"}, Spec: schedv1alpha1.PodGroupSpec{MinMember: 3}}
	return scenario{name: "Coscheduling gang", objects: []client.Object{pg},
		pods: pods(3, "trainer", "2", "4Gi", func(p *corev1.Pod) { p.Labels[schedv1alpha1.PodGroupLabel] = "trainers" })}
}

func daemonSet(name, cpu, memory string) *appsv1.DaemonSet {
	labels := map[string]string{"daemon": name}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "registry.k8s.io/pause:3.10",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)}}}}},
			},
		},
	}
}
