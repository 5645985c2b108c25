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
// ${VAR} in scalars, and remembers which line holds which path so that type
// errors from the decoder can name the field too.
type loader struct {
	lookup func(string) (string, bool)
	unset  map[string]string // field path -> unset variable
	lines  map[int]string    // line -> field path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (l *loader) walk(n *yaml.Node, path string, t reflect.Type) Problems {
	var probs Problems
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		return Problems{fmt.Sprintf("%s: YAML aliases are not supported", path)}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!str" || n.Style != 0 || strings.Contains(n.Value, "${") {
			v, missing := l.expand(n.Value)
			if v != n.Value && n.Style == 0 {
				n.Tag = "" // let the expanded plain scalar resolve to int, bool, ...
			}
			n.Value = v
			if missing != "" {
				l.unset[path] = missing
			}
		}
		return nil
	case yaml.SequenceNode:
		if t.Kind() != reflect.Slice {
			return nil // the decoder reports the type mismatch
		}
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			l.lines[c.Line] = p
			probs = append(probs, l.walk(c, p, t.Elem())...)
		}
		return probs
	case yaml.MappingNode:
		switch t.Kind() {
		case reflect.Map:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := join(path, k.Value)
				l.lines[k.Line] = p
				probs = append(probs, l.walk(v, p, t.Elem())...)
			}
		case reflect.Struct:
			fields := yamlFields(t)
			seen := map[string]bool{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := join(path, k.Value)
				l.lines[k.Line] = p
				if seen[k.Value] {
					probs = append(probs, fmt.Sprintf("%s: duplicate key", p))
					continue
				}
				seen[k.Value] = true
				ft, ok := fields[k.Value]
				if !ok {
					probs = append(probs, fmt.Sprintf("%s: unknown field (line %d)", p, k.Line))
					continue
				}
				probs = append(probs, l.walk(v, p, ft)...)
			}
		}
	}
	return probs
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
// "path: cannot unmarshal ..." where the line is known.
func (l *loader) decodeProblems(err error) Problems {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return Problems{"config: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var probs Problems
	for _, e := range te.Errors {
		if m := lineRef.FindStringSubmatch(e); m != nil {
			line, _ := strconv.Atoi(m[1])
			if p, ok := l.lines[line]; ok {
				probs = append(probs, fmt.Sprintf("%s: %s", p, m[2]))
				continue
			}
		}
		probs = append(probs, "config: "+e)
	}
	return probs
}
