package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	karpv1 "github.com/tailor-sh/tailor/pkg/apis/karpenter/v1"
)

// `kubectl get nodeclaims` prints NAME TYPE CAPACITY ZONE NODE READY AGE, as users of
// Karpenter know it.
func TestGetNodeClaimsColumns(t *testing.T) {
	nodeClaim := edited(t, validNodeClaim, edit{"metadata.labels", `{
		karpenter.sh/nodepool: default,
		karpenter.sh/capacity-type: spot,
		node.kubernetes.io/instance-type: m5.large,
		topology.kubernetes.io/zone: us-west-2a}`})
	env.ExpectApplied(t, nodeClaim)
	defer env.ExpectDeleted(t, nodeClaim)

	typed := &karpv1.NodeClaim{}
	typed.Name = nodeClaim.GetName()
	env.ExpectFetched(t, typed)
	typed.Status.NodeName = "ip-10-0-1-23.us-west-2.compute.internal"
	typed.Status.Conditions = []metav1.Condition{{
		Type: "Ready", Status: metav1.ConditionTrue, Reason: "Ready", LastTransitionTime: metav1.Now(),
	}}
	if err := env.Client.Status().Update(context.Background(), typed); err != nil {
		t.Fatalf("updating nodeclaim status: %v", err)
	}

	table := getTable(t, "/apis/karpenter.sh/v1/nodeclaims")
	expectColumns(t, table, "Name", "Type", "Capacity", "Zone", "Node", "Ready", "Age")
	row := rowNamed(t, table, nodeClaim.GetName())
	want := []any{nodeClaim.GetName(), "m5.large", "spot", "us-west-2a", typed.Status.NodeName, "True"}
	if got := row[:len(want)]; !reflect.DeepEqual(got, want) {
		t.Errorf("row = %v, want it to start with %v", got, want)
	}
}

// `kubectl get nodepools` prints NAME NODECLASS NODES READY AGE.
func TestGetNodePoolsColumns(t *testing.T) {
	nodePool := edited(t, validNodePool)
	env.ExpectApplied(t, nodePool)
	defer env.ExpectDeleted(t, nodePool)

	table := getTable(t, "/apis/karpenter.sh/v1/nodepools")
	expectColumns(t, table, "Name", "NodeClass", "Nodes", "Ready", "Age")
	if row := rowNamed(t, table, nodePool.GetName()); row[1] != "default" {
		t.Errorf("NODECLASS = %v, want default", row[1])
	}
}

func getTable(t *testing.T, path string) *metav1.Table {
	t.Helper()
	httpClient, err := rest.HTTPClientFor(env.Config)
	if err != nil {
		t.Fatalf("building http client: %v", err)
	}
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(env.Config.Host, "/")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, body)
	}
	table := &metav1.Table{}
	if err := json.Unmarshal(body, table); err != nil {
		t.Fatalf("decoding table from %s: %v", path, err)
	}
	return table
}

// expectColumns checks the columns kubectl prints by default (priority 0), in order.
func expectColumns(t *testing.T, table *metav1.Table, want ...string) {
	t.Helper()
	var got []string
	for _, c := range table.ColumnDefinitions {
		if c.Priority == 0 {
			got = append(got, c.Name)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("columns = %v, want %v", got, want)
	}
}

func rowNamed(t *testing.T, table *metav1.Table, name string) []any {
	t.Helper()
	for _, row := range table.Rows {
		if len(row.Cells) > 0 && row.Cells[0] == name {
			return row.Cells
		}
	}
	t.Fatalf("no row named %q in %s", name, fmt.Sprint(table.Rows))
	return nil
}
