package instancetype

import "testing"

func TestParseName(t *testing.T) {
	tests := []struct {
		name string
		want typeName
		ok   bool
	}{
		{"m5.large", typeName{family: "m5", size: "large", category: "m", generation: "5"}, true},
		{"m5d.xlarge", typeName{family: "m5d", size: "xlarge", category: "m", generation: "5"}, true},
		{"m7i-flex.large", typeName{family: "m7i-flex", size: "large", category: "m", generation: "7", flex: true}, true},
		{"c7i-flex.2xlarge", typeName{family: "c7i-flex", size: "2xlarge", category: "c", generation: "7", flex: true}, true},
		{"c6gn.16xlarge", typeName{family: "c6gn", size: "16xlarge", category: "c", generation: "6"}, true},
		{"u-6tb1.metal", typeName{family: "u-6tb1", size: "metal", category: "u", generation: "1"}, true},
		{"u7i-12tb.224xlarge", typeName{family: "u7i-12tb", size: "224xlarge", category: "u", generation: "7"}, true},
		{"inf2.xlarge", typeName{family: "inf2", size: "xlarge", category: "inf", generation: "2"}, true},
		{"trn1n.32xlarge", typeName{family: "trn1n", size: "32xlarge", category: "trn", generation: "1"}, true},
		{"x2iedn.metal", typeName{family: "x2iedn", size: "metal", category: "x", generation: "2"}, true},
		{"i7ie.metal-24xl", typeName{family: "i7ie", size: "metal-24xl", category: "i", generation: "7"}, true},
		{"hpc7g.16xlarge", typeName{family: "hpc7g", size: "16xlarge", category: "hpc", generation: "7"}, true},
		{"a1.medium", typeName{family: "a1", size: "medium", category: "a", generation: "1"}, true},
		{"weird.large", typeName{family: "weird", size: "large"}, true},
		{"m5", typeName{}, false},
		{"m5.large.extra", typeName{}, false},
		{".large", typeName{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseName(tt.name)
			if ok != tt.ok || got != tt.want {
				t.Errorf("parseName(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
			}
		})
	}
}
