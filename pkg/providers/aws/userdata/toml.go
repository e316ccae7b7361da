package userdata

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads and writes the subset of TOML that Bottlerocket settings use:
// [table] headers, bare, quoted and dotted keys, basic and literal strings,
// integers, floats, booleans, arrays and inline tables. Multi-line strings, arrays
// of tables and dates are refused with an error that says so. Tables are
// map[string]any; values are string, int64, float64, bool, []any or map[string]any.

type tomlParser struct {
	s    string
	pos  int
	root map[string]any
}

// parseTOML reads a TOML document.
func parseTOML(s string) (map[string]any, error) {
	p := &tomlParser{s: s, root: map[string]any{}}
	cur := p.root
	for {
		p.skipBlank(true)
		if p.eof() {
			return p.root, nil
		}
		var err error
		if p.peek() == '[' {
			cur, err = p.header()
		} else {
			err = p.keyValue(cur)
		}
		if err == nil {
			err = p.endOfLine()
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", p.line(), err)
		}
	}
}

func (p *tomlParser) eof() bool  { return p.pos >= len(p.s) }
func (p *tomlParser) peek() byte { return p.s[p.pos] }
func (p *tomlParser) line() int  { return strings.Count(p.s[:p.pos], "\n") + 1 }

// skipBlank skips spaces and tabs, comments, and newlines when newlines is true.
func (p *tomlParser) skipBlank(newlines bool) {
	for !p.eof() {
		switch c := p.peek(); {
		case c == ' ' || c == '\t' || c == '\r':
			p.pos++
		case c == '\n' && newlines:
			p.pos++
		case c == '#':
			for !p.eof() && p.peek() != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

func (p *tomlParser) endOfLine() error {
	p.skipBlank(false)
	if !p.eof() && p.peek() != '\n' {
		return fmt.Errorf("unexpected %q after value", p.peek())
	}
	return nil
}

func (p *tomlParser) expect(c byte) error {
	p.skipBlank(false)
	if p.eof() || p.peek() != c {
		return fmt.Errorf("expected %q", c)
	}
	p.pos++
	return nil
}

// header reads [a.b.c] and returns that table, creating it.
func (p *tomlParser) header() (map[string]any, error) {
	p.pos++
	if !p.eof() && p.peek() == '[' {
		return nil, fmt.Errorf("arrays of tables ([[...]]) are not supported")
	}
	path, err := p.key()
	if err != nil {
		return nil, err
	}
	if err := p.expect(']'); err != nil {
		return nil, err
	}
	return tableAt(p.root, path)
}

// keyValue reads key = value into t.
func (p *tomlParser) keyValue(t map[string]any) error {
	path, err := p.key()
	if err != nil {
		return err
	}
	if err := p.expect('='); err != nil {
		return err
	}
	v, err := p.value()
	if err != nil {
		return err
	}
	parent, err := tableAt(t, path[:len(path)-1])
	if err != nil {
		return err
	}
	last := path[len(path)-1]
	if _, dup := parent[last]; dup {
		return fmt.Errorf("key %q is defined twice", strings.Join(path, "."))
	}
	parent[last] = v
	return nil
}

// tableAt returns the table at path below t, creating missing tables.
func tableAt(t map[string]any, path []string) (map[string]any, error) {
	for i, k := range path {
		next, ok := t[k]
		if !ok {
			next = map[string]any{}
			t[k] = next
		}
		sub, ok := next.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("key %q is a value, not a table", strings.Join(path[:i+1], "."))
		}
		t = sub
	}
	return t, nil
}

// key reads a dotted key.
func (p *tomlParser) key() ([]string, error) {
	var path []string
	for {
		p.skipBlank(false)
		if p.eof() {
			return nil, fmt.Errorf("expected a key")
		}
		var part string
		var err error
		switch p.peek() {
		case '"':
			part, err = p.basicString()
		case '\'':
			part, err = p.literalString()
		default:
			part = p.bareKey()
			if part == "" {
				err = fmt.Errorf("unexpected %q where a key was expected", p.peek())
			}
		}
		if err != nil {
			return nil, err
		}
		path = append(path, part)
		p.skipBlank(false)
		if p.eof() || p.peek() != '.' {
			return path, nil
		}
		p.pos++
	}
}

func (p *tomlParser) bareKey() string {
	start := p.pos
	for !p.eof() && isBareKeyChar(p.peek()) {
		p.pos++
	}
	return p.s[start:p.pos]
}

func isBareKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// value reads a value.
func (p *tomlParser) value() (any, error) {
	p.skipBlank(false)
	if p.eof() {
		return nil, fmt.Errorf("expected a value")
	}
	switch p.peek() {
	case '"':
		return p.basicString()
	case '\'':
		return p.literalString()
	case '[':
		return p.array()
	case '{':
		return p.inlineTable()
	}
	return p.scalar()
}

func (p *tomlParser) basicString() (string, error) {
	if strings.HasPrefix(p.s[p.pos:], `"""`) {
		return "", fmt.Errorf("multi-line strings are not supported")
	}
	p.pos++
	var b strings.Builder
	for !p.eof() {
		c := p.peek()
		p.pos++
		switch {
		case c == '"':
			return b.String(), nil
		case c == '\n':
			return "", fmt.Errorf("newline in string")
		case c == '\\':
			if err := p.escape(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated string")
}

func (p *tomlParser) escape(b *strings.Builder) error {
	if p.eof() {
		return fmt.Errorf("unterminated escape")
	}
	c := p.peek()
	p.pos++
	simple := map[byte]string{'b': "\b", 't': "\t", 'n': "\n", 'f': "\f", 'r': "\r", '"': `"`, '\\': `\`}
	if s, ok := simple[c]; ok {
		b.WriteString(s)
		return nil
	}
	size := map[byte]int{'u': 4, 'U': 8}[c]
	if size == 0 || p.pos+size > len(p.s) {
		return fmt.Errorf("invalid escape \\%c", c)
	}
	n, err := strconv.ParseUint(p.s[p.pos:p.pos+size], 16, 32)
	if err != nil || !utf8.ValidRune(rune(n)) {
		return fmt.Errorf("invalid unicode escape \\%c%s", c, p.s[p.pos:p.pos+size])
	}
	p.pos += size
	b.WriteRune(rune(n))
	return nil
}

func (p *tomlParser) literalString() (string, error) {
	if strings.HasPrefix(p.s[p.pos:], "'''") {
		return "", fmt.Errorf("multi-line strings are not supported")
	}
	end := strings.IndexAny(p.s[p.pos+1:], "'\n")
	if end < 0 || p.s[p.pos+1+end] != '\'' {
		return "", fmt.Errorf("unterminated string")
	}
	v := p.s[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return v, nil
}

func (p *tomlParser) array() ([]any, error) {
	p.pos++
	out := []any{}
	for {
		p.skipBlank(true)
		if p.eof() {
			return nil, fmt.Errorf("unterminated array")
		}
		if p.peek() == ']' {
			p.pos++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.skipBlank(true)
		if !p.eof() && p.peek() == ',' {
			p.pos++
		} else if p.eof() || p.peek() != ']' {
			return nil, fmt.Errorf("expected ',' or ']' in array")
		}
	}
}

func (p *tomlParser) inlineTable() (map[string]any, error) {
	p.pos++
	out := map[string]any{}
	for first := true; ; first = false {
		p.skipBlank(false)
		if p.eof() {
			return nil, fmt.Errorf("unterminated inline table")
		}
		if p.peek() == '}' && first {
			p.pos++
			return out, nil
		}
		if err := p.keyValue(out); err != nil {
			return nil, err
		}
		p.skipBlank(false)
		if p.eof() {
			return nil, fmt.Errorf("unterminated inline table")
		}
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return out, nil
		default:
			return nil, fmt.Errorf("expected ',' or '}' in inline table")
		}
	}
}

// scalar reads a boolean, integer or float.
func (p *tomlParser) scalar() (any, error) {
	start := p.pos
	for !p.eof() && strings.IndexByte(" \t\r\n,]}#", p.peek()) < 0 {
		p.pos++
	}
	tok := p.s[start:p.pos]
	switch tok {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	if n, err := strconv.ParseInt(tok, 0, 64); err == nil && !strings.ContainsAny(tok, ".eE") {
		return n, nil
	}
	if f, err := strconv.ParseFloat(strings.ReplaceAll(tok, "_", ""), 64); err == nil {
		return f, nil
	}
	return nil, fmt.Errorf("value %q is not a string, number or boolean (dates are not supported)", tok)
}
