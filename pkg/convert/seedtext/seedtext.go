// Package seedtext finds Karpenter manifests in the text users learn from: markdown
// with fenced code blocks, or YAML pasted into prose. Tests convert what it finds.
package seedtext

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/tailor-sh/tailor/pkg/convert"
)

// Block is one run of YAML in a text that holds at least one Karpenter manifest.
type Block struct {
	// File is the text's file name; Line the line (from 1) where the YAML starts.
	File string
	Line int
	Text string
	// Kinds are the kinds of the Karpenter manifests in the block, in order.
	Kinds []string
}

var (
	kindLine = regexp.MustCompile(`^kind:\s*(\S+)\s*$`)
	yamlLine = regexp.MustCompile(`^\s*(-\s+)?("[^"]*"|'[^']*'|[A-Za-z0-9_./-]+):(\s|$)|^\s*-(\s|$)|^\s*#|^---\s*$`)
)

// Extract returns the blocks of text that hold Karpenter manifests: fenced code
// blocks, and outside them runs of YAML-looking lines that start with apiVersion.
func Extract(file, text string) []Block {
	lines := strings.Split(text, "\n")
	var out []Block
	for i := 0; i < len(lines); {
		start, end, next := yamlRun(lines, i)
		if start < 0 {
			i = next
			continue
		}
		block := Block{File: file, Line: start + 1, Text: strings.Join(lines[start:end], "\n") + "\n",
			Kinds: karpenterKinds(lines[start:end])}
		if len(block.Kinds) > 0 {
			out = append(out, block)
		}
		i = next
	}
	return out
}

// karpenterKinds returns the kind of each document of the YAML lines that is one of
// Karpenter's: the first unindented kind line of each document.
func karpenterKinds(lines []string) []string {
	var kinds []string
	seen := false
	for _, line := range lines {
		if strings.HasPrefix(line, "---") {
			seen = false
			continue
		}
		m := kindLine.FindStringSubmatch(line)
		if m == nil || seen {
			continue
		}
		seen = true
		switch m[1] {
		case "Provisioner", "AWSNodeTemplate", "NodePool", "EC2NodeClass":
			kinds = append(kinds, m[1])
		}
	}
	return kinds
}

// yamlRun returns the lines [start, end) of the run of YAML at line i, or start -1
// when there is none, and the line to look at next.
func yamlRun(lines []string, i int) (start, end, next int) {
	if isFence(lines[i]) {
		end = i + 1
		for end < len(lines) && !isFence(lines[end]) {
			end++
		}
		return i + 1, end, end + 1
	}
	if !strings.HasPrefix(strings.TrimSpace(lines[i]), "apiVersion:") {
		return -1, 0, i + 1
	}
	end = i
	for end < len(lines) && yamlLine.MatchString(lines[end]) && !isFence(lines[end]) {
		end++
	}
	return i, end, end
}

func isFence(line string) bool { return strings.HasPrefix(strings.TrimSpace(line), "```") }

// Document is one YAML document of a block.
type Document struct {
	// Index counts the documents of the block from 1 as convert does, which skips
	// those of nothing but blank lines and comments.
	Index int
	Text  string
	// Kind is the document's Karpenter kind; "" when it is none.
	Kind string
}

// Documents returns the documents of b, split at the lines that start with "---".
func (b Block) Documents() []Document {
	var out []Document
	var text []string
	flush := func() {
		if isBlank(text) {
			text = nil
			return
		}
		doc := Document{Index: len(out) + 1, Text: strings.Join(text, "\n") + "\n"}
		if kinds := karpenterKinds(text); len(kinds) > 0 {
			doc.Kind = kinds[0]
		}
		out = append(out, doc)
		text = nil
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.Text, "\n"), "\n") {
		if strings.HasPrefix(line, "---") {
			flush()
			continue
		}
		text = append(text, line)
	}
	flush()
	return out
}

// Without returns b without the documents of the given indices.
func (b Block) Without(drop map[int]bool) Block {
	var texts []string
	for _, d := range b.Documents() {
		if !drop[d.Index] {
			texts = append(texts, d.Text)
		}
	}
	out := b
	out.Text = strings.Join(texts, "---\n")
	out.Kinds = karpenterKinds(strings.Split(out.Text, "\n"))
	return out
}

func isBlank(lines []string) bool {
	for _, line := range lines {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}

// Dir returns the blocks of every .txt and .md file in dir, by file name.
func Dir(dir string) ([]Block, error) {
	var files []string
	for _, pattern := range []string{"*.txt", "*.md"} {
		matches, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, err
		}
		files = append(files, matches...)
	}
	sort.Strings(files)
	var out []Block
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		out = append(out, Extract(filepath.Base(file), string(text))...)
	}
	return out, nil
}

// Options are the conversion options the seed documents convert with: the flags a
// reader of Karpenter's getting-started guide gives kubectl tailor convert, for the
// cluster "demo" and its node role.
var Options = convert.Options{NodeClass: "default", ClusterName: "demo", Role: "KarpenterNodeRole-demo"}
