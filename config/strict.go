package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var typeOfConfig = reflect.TypeOf(Config{})

// loader walks the YAML tree before decoding: it rejects unknown keys with
// their field path (yaml.v3's KnownFields only gives a line number), expands
// ${VAR} in scalars, and decodes each leaf on its own so that type errors from
// the decoder can name their field, even where a flow mapping puts several
// fields on one line.
type loader struct {
	lookup func(string) (string, bool)
	unset  []unsetVar          // fields naming unset variables, in document order
	refs   map[string]bool     // fields with a ${VAR} reference, set or not
	given  map[string]bool     // every field path the file sets, so that an explicit 0 is not a default
	lines  map[int]string      // line -> field path, for errors the walk did not see
	terrs  map[string][]string // decoder message -> field paths, in document order
	failed []string            // field paths whose value did not decode; "" is the whole document
	dups   map[string]int      // decoder messages of duplicate keys the walk reported
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (l *loader) walk(n *yaml.Node, path string, t reflect.Type) Problems {
	var probs Problems
	l.given[path] = true
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		l.failed = append(l.failed, path) // not expanded: nothing to validate
		return Problems{fmt.Sprintf("%s: YAML aliases are not supported", path)}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!str" || n.Style != 0 || strings.Contains(n.Value, "${") {
			v, missing := l.expand(n.Value)
			if strings.Contains(n.Value, "${") {
				l.refs[path] = true
			}
			if v != n.Value && n.Style == 0 {
				n.Tag = "" // let the expanded plain scalar resolve to int, bool, ...
			}
			n.Value = v
			if len(missing) > 0 {
				l.unset = append(l.unset, unsetVar{path, missing})
			}
		}
		l.check(n, path, t)
		return nil
	case yaml.SequenceNode:
		if t.Kind() != reflect.Slice {
			l.check(n, path, t)
			return nil
		}
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			l.lines[c.Line] = p
			probs = append(probs, l.walk(c, p, t.Elem())...)
		}
		return probs
	case yaml.MappingNode:
		if t.Kind() != reflect.Map && t.Kind() != reflect.Struct {
			l.check(n, path, t)
			return nil
		}
		var fields map[string]reflect.Type
		if t.Kind() == reflect.Struct {
			fields = yamlFields(t)
		}
		seen := map[string][]int{} // key -> lines
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			l.lines[k.Line] = p
			if before, ok := seen[k.Value]; ok {
				probs = append(probs, fmt.Sprintf("%s: duplicate key", p))
				// The decoder reports it too, once per earlier occurrence
				// and with a line only, and leaves the whole mapping
				// undecoded: nothing in it can be validated.
				for _, line := range before {
					l.dups[fmt.Sprintf("line %d: mapping key %q already defined at line %d", k.Line, k.Value, line)]++
				}
				seen[k.Value] = append(before, k.Line)
				l.failed = append(l.failed, path)
				continue
			}
			seen[k.Value] = []int{k.Line}
			var ft reflect.Type
			if fields == nil {
				ft = t.Elem()
			} else if ft = fields[k.Value]; ft == nil {
				probs = append(probs, fmt.Sprintf("%s: unknown field (line %d)", p, k.Line))
				continue
			}
			probs = append(probs, l.walk(v, p, ft)...)
		}
	}
	return probs
}

// check decodes a node the walk does not descend into on its own and
// remembers the path of each type error, which the decoder of the whole
// document reports with a line number only.
func (l *loader) check(n *yaml.Node, path string, t reflect.Type) {
	var te *yaml.TypeError
	if err := n.Decode(reflect.New(t).Interface()); errors.As(err, &te) {
		for _, e := range te.Errors {
			l.terrs[e] = append(l.terrs[e], path)
		}
	}
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = f.Type
	}
	return m
}

var lineRef = regexp.MustCompile(`^line (\d+): (.*)$`)

// decodeProblems turns yaml.v3's "line N: cannot unmarshal ..." into
// "path: cannot unmarshal ..." and records the path as failed. It reports
// whether every problem could be given a path: only then is the decoded
// config complete enough to validate without guessing.
func (l *loader) decodeProblems(err error) (Problems, bool) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return Problems{"config: " + strings.TrimPrefix(err.Error(), "yaml: ")}, false
	}
	var probs Problems
	placed := true
	for _, e := range te.Errors {
		m := lineRef.FindStringSubmatch(e)
		if m == nil {
			probs = append(probs, "config: "+e)
			placed = false
			continue
		}
		if l.dups[e] > 0 {
			l.dups[e]--
			continue // the walk reported the duplicate key with its path
		}
		p, ok, exact := "", false, false
		if paths := l.terrs[e]; len(paths) > 0 {
			p, ok, exact = paths[0], true, true
			l.terrs[e] = paths[1:]
			l.failed = append(l.failed, p)
		} else if p, ok = l.lines[atoi(m[1])]; ok {
			// A type error the walk did not foresee: the line may hold
			// more than one field, so the path is a guess.
			placed = false
		}
		if !ok {
			probs = append(probs, "config: "+e)
			placed = false
			continue
		}
		if exact && l.unsetAt(p) {
			// `invalid duration ""` would hide the cause: the validator
			// names the variable instead (or nothing, if the caller does
			// not read the field; see Uses)
			continue
		}
		probs = append(probs, fmt.Sprintf("%s: %s", p, plainTypeError(m[2])))
	}
	return probs, placed
}

// unsetAt reports whether the value at path names an unset variable.
func (l *loader) unsetAt(path string) bool {
	for _, u := range l.unset {
		if u.path == path {
			return true
		}
	}
	return false
}

var typeErr = regexp.MustCompile("^cannot unmarshal !!(\\w+)( `.*`)? into (.+)$")

// plainTypeError says yaml.v3's "cannot unmarshal !!str `lots` into int"
// in the config's terms, "want an integer, got the string `lots`": the
// user wrote YAML, not Go.
func plainTypeError(msg string) string {
	m := typeErr.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	got := map[string]string{"str": "the string", "int": "the number", "float": "the number", "bool": "the boolean",
		"seq": "a list", "map": "a mapping", "null": "nothing", "timestamp": "the time"}[m[1]]
	if got == "" {
		got = "!!" + m[1]
	}
	want := "a mapping" // a struct: a source, a channel, a rule
	switch t := m[3]; {
	case strings.HasPrefix(t, "[]"):
		want = "a list"
	case strings.HasPrefix(t, "map["):
		want = "a mapping"
	case t == "string", t == "config.Secret":
		want = "a string"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		want = "an integer"
	case strings.HasPrefix(t, "float"):
		want = "a number"
	case t == "bool":
		want = "true or false"
	}
	return fmt.Sprintf("want %s, got %s%s", want, got, m[2])
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
