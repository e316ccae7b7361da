// Command catalog-gen writes the project's catalog, converted by the AWS
// provider (pkg/planner/planio/projectcatalog), to the JSON file
// pkg/planner/planio embeds. It runs through `go generate ./pkg/planner/planio/`
// (make generate); regenerate whenever the catalog or the conversion changes
// (a test in projectcatalog fails until then).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/tailor-sh/tailor/pkg/planner/planio"
	"github.com/tailor-sh/tailor/pkg/planner/planio/projectcatalog"
)

func main() {
	out := flag.String("out", "zz_generated.catalog.json", "file to write")
	flag.Parse()
	c, err := projectcatalog.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, "catalog-gen:", err)
		os.Exit(1)
	}
	data, err := render(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "catalog-gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "catalog-gen:", err)
		os.Exit(1)
	}
}

// render writes the catalog with one instance type per line: compact, and a
// change to a type shows as a change to its line.
func render(c planio.ProjectCatalog) ([]byte, error) {
	types := c.Types
	c.Types = nil
	head, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(head[:len(head)-len(`,"types":null}`)])
	b.WriteString(",\"types\":[\n")
	for i, t := range types {
		line, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		b.Write(line)
		if i < len(types)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	return b.Bytes(), nil
}
