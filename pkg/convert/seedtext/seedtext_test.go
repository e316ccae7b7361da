package seedtext

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const tutorial = "# Setting up\n" +
	"Some prose: with a colon.\n" +
	"```yaml\n" +
	"apiVersion: karpenter.sh/v1beta1\n" +
	"kind: NodePool\n" +
	"metadata:\n" +
	"  name: fenced\n" +
	"spec:\n" +
	"  nodeClassRef:\n" +
	"    kind: EC2NodeClass\n" +
	"---\n" +
	"apiVersion: karpenter.k8s.aws/v1beta1\n" +
	"kind: EC2NodeClass\n" +
	"```\n" +
	"```\n" +
	"kubectl get pods\n" +
	"```\n" +
	"Pasted without a fence:\n" +
	"apiVersion: karpenter.sh/v1alpha5\n" +
	"kind: Provisioner\n" +
	"metadata:\n" +
	"name: flat\n" +
	"kind: AWSNodeTemplate\n" +
	"- key: a\n" +
	"Back to prose, which ends the block.\n" +
	"```yaml\n" +
	"apiVersion: v1\n" +
	"kind: Pod\n" +
	"```\n"

func TestExtractFindsFencedAndPastedManifests(t *testing.T) {
	blocks := Extract("t.md", tutorial)
	if len(blocks) != 2 {
		t.Fatalf("want 2 blocks (the Pod and the shell block hold no Karpenter manifest), got %d: %+v", len(blocks), blocks)
	}
	fenced, pasted := blocks[0], blocks[1]
	if fenced.Line != 4 || !reflect.DeepEqual(fenced.Kinds, []string{"NodePool", "EC2NodeClass"}) {
		t.Errorf("fenced block: want line 4 and kinds [NodePool EC2NodeClass], got line %d, kinds %v", fenced.Line, fenced.Kinds)
	}
	if strings.Contains(fenced.Text, "```") {
		t.Errorf("fenced block holds its fence:\n%s", fenced.Text)
	}
	if pasted.Line != 19 || !reflect.DeepEqual(pasted.Kinds, []string{"Provisioner"}) {
		t.Errorf("pasted block: want line 19 and kinds [Provisioner], got line %d, kinds %v", pasted.Line, pasted.Kinds)
	}
	if strings.Contains(pasted.Text, "prose") || !strings.Contains(pasted.Text, "- key: a") {
		t.Errorf("pasted block should end at the prose after its last YAML line:\n%s", pasted.Text)
	}
}

// Documents count as convert counts them, so a refusal's document index finds its
// text; Without drops documents by that index.
func TestDocumentsAndWithout(t *testing.T) {
	b := Block{File: "t.md", Line: 1, Text: "# only a comment\n---\napiVersion: karpenter.sh/v1beta1\nkind: NodePool\n" +
		"---\n\n---\napiVersion: v1\nkind: ConfigMap\n--- # the class\napiVersion: karpenter.k8s.aws/v1beta1\nkind: EC2NodeClass\n"}
	var got []string
	for _, d := range b.Documents() {
		got = append(got, fmt.Sprintf("%d:%s", d.Index, d.Kind))
	}
	if want := []string{"1:NodePool", "2:", "3:EC2NodeClass"}; !reflect.DeepEqual(got, want) {
		t.Errorf("want documents %v, got %v", want, got)
	}
	rest := b.Without(map[int]bool{1: true})
	if !reflect.DeepEqual(rest.Kinds, []string{"EC2NodeClass"}) || strings.Contains(rest.Text, "NodePool") || len(rest.Documents()) != 2 {
		t.Errorf("without document 1: want the ConfigMap and the EC2NodeClass, got kinds %v:\n%s", rest.Kinds, rest.Text)
	}
}
