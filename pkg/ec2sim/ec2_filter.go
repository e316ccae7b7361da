package ec2sim

import "strings"

// ec2Fields returns the values a resource has for a (non-tag) filter name.
type ec2Fields func(name string) []string

// ec2Matches reports whether a resource with tags and fields passes every filter.
// A filter passes when any of its values matches any of the resource's values for
// it; tag:<key> matches the value of that tag, tag-key the keys, tag-value the values.
func ec2Matches(filters []ec2Filter, tags map[string]string, fields ec2Fields) bool {
	for _, f := range filters {
		var have []string
		switch {
		case strings.HasPrefix(f.name, "tag:"):
			v, ok := tags[strings.TrimPrefix(f.name, "tag:")]
			if !ok {
				return false
			}
			have = []string{v}
		case f.name == "tag-key":
			for k := range tags {
				have = append(have, k)
			}
		case f.name == "tag-value":
			for _, v := range tags {
				have = append(have, v)
			}
		default:
			have = fields(f.name)
		}
		if !anyGlobMatch(f.values, have) {
			return false
		}
	}
	return true
}

func anyGlobMatch(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if globMatch(p, v) {
				return true
			}
		}
	}
	return false
}

// globMatch matches s against pattern, where * is any run of characters and ? any
// one character, as EC2 filters do.
func globMatch(pattern, s string) bool {
	p, str := []rune(pattern), []rune(s)
	// star and mark remember the last * and the position in s it was tried at.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(str) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == str[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// ec2Bool is a boolean as EC2 filters and XML write it.
func ec2Bool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
