package instancetype

import "strings"

// typeName is an EC2 instance type name split into the parts that become labels.
type typeName struct {
	family     string // "m5d", "m7i-flex", "u-6tb1"
	size       string // "xlarge", "metal", "metal-24xl"
	category   string // "m", "inf", "u"; "" when the family does not parse
	generation string // "5", "7", "1"; "" when the family does not parse
	flex       bool   // a "-flex" family (m7i-flex, c7i-flex)
}

// parseName splits an instance type name:
//
//   - family and size are the parts before and after the one dot
//     ("m5d.xlarge" → "m5d", "xlarge");
//   - category is the run of letters the family starts with ("m5d" → "m",
//     "inf2" → "inf", "c6gn" → "c");
//   - generation is the run of digits after the category, skipping the "-<n>tb"
//     memory tag of high-memory families ("u-6tb1" → category "u", generation "1";
//     "u7i-12tb" → "u", "7");
//   - letters after the generation (d: local NVMe, g: Graviton, n: more network,
//     i/a: Intel/AMD, e: more memory) and a "-flex" suffix stay in the family only;
//     flex says whether the family has that suffix.
//
// ok is false for names without exactly one dot. A family that starts with no
// letters or has no generation digits gives empty category and generation.
func parseName(name string) (n typeName, ok bool) {
	family, size, found := strings.Cut(name, ".")
	if !found || family == "" || size == "" || strings.Contains(size, ".") {
		return typeName{}, false
	}
	n = typeName{family: family, size: size, flex: strings.Contains(family, "-flex")}
	letters := leadingRun(family, isLower)
	rest := strings.TrimPrefix(skipMemoryTag(family[len(letters):]), "-")
	digits := leadingRun(rest, isDigit)
	if letters != "" && digits != "" {
		n.category, n.generation = letters, digits
	}
	return n, true
}

// skipMemoryTag drops a leading "-<digits>tb" ("-6tb1" → "1").
func skipMemoryTag(s string) string {
	rest, ok := strings.CutPrefix(s, "-")
	if !ok {
		return s
	}
	digits := leadingRun(rest, isDigit)
	if digits == "" {
		return s
	}
	if after, ok := strings.CutPrefix(rest[len(digits):], "tb"); ok {
		return after
	}
	return s
}

// leadingRun returns the longest prefix of s whose bytes all satisfy f.
func leadingRun(s string, f func(byte) bool) string {
	i := 0
	for i < len(s) && f(s[i]) {
		i++
	}
	return s[:i]
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
