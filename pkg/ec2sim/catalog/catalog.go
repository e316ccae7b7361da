package catalog

import (
	"fmt"
	"strings"
	"sync"
)

// Region is the one AWS region this catalog describes (Oregon). Prices are
// Linux, shared tenancy, on-demand list prices in USD per hour there.
const Region = "us-west-2"

var (
	buildOnce sync.Once
	built     []InstanceType
	builtErr  error
)

// Default returns the catalog: every instance type, grouped by family in the
// order the family tables declare them, smallest size first. The catalog is
// built once; each call returns a fresh deep copy, so callers may change what
// they get without affecting other callers. A copy costs a few microseconds.
func Default() []InstanceType {
	all := catalog()
	out := make([]InstanceType, len(all))
	for i := range all {
		out[i] = clone(all[i])
	}
	return out
}

// ByName returns the catalog keyed by instance type name ("m5.large"). Like
// Default it returns copies that callers may change.
func ByName() map[string]InstanceType {
	all := catalog()
	out := make(map[string]InstanceType, len(all))
	for i := range all {
		out[all[i].Name] = clone(all[i])
	}
	return out
}

// Lookup returns one instance type by name, and whether it is in the catalog.
func Lookup(name string) (InstanceType, bool) {
	for _, it := range catalog() {
		if it.Name == name {
			return clone(it), true
		}
	}
	return InstanceType{}, false
}

// FamilyOf returns the family part of an instance type name: "m5" for
// "m5.large", "m7i-flex" for "m7i-flex.xlarge".
func FamilyOf(name string) string {
	family, _, _ := strings.Cut(name, ".")
	return family
}

// catalog builds the shared table on first use. The tables are static data,
// so a build error is a bug in this package; the tests fail on it first.
func catalog() []InstanceType {
	buildOnce.Do(func() { built, builtErr = build() })
	if builtErr != nil {
		panic("catalog: " + builtErr.Error())
	}
	return built
}

// build expands every family table into instance types and checks that no
// name appears twice.
func build() ([]InstanceType, error) {
	var out []InstanceType
	for _, f := range scaledFamilies() {
		types, err := f.expand()
		if err != nil {
			return nil, err
		}
		out = append(out, types...)
	}
	for _, f := range listedFamilies() {
		out = append(out, f.expand()...)
	}
	seen := make(map[string]bool, len(out))
	for _, it := range out {
		if seen[it.Name] {
			return nil, fmt.Errorf("instance type %s listed twice", it.Name)
		}
		seen[it.Name] = true
	}
	return out, nil
}

// clone copies an instance type, including the slices it holds.
func clone(it InstanceType) InstanceType {
	it.Architectures = append([]string(nil), it.Architectures...)
	it.SupportedUsageClasses = append([]string(nil), it.SupportedUsageClasses...)
	if it.GPUs != nil {
		it.GPUs = append([]Accelerator(nil), it.GPUs...)
	}
	if it.Accelerators != nil {
		it.Accelerators = append([]Accelerator(nil), it.Accelerators...)
	}
	return it
}
