package ecs

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
)

// LineError is a problem with one line of a multi-line input (images,
// environment, secrets): the 1-based line, the field it concerns
// ("container", "name", "value" or "image") and why.
type LineError struct {
	Line   int
	Field  string
	Reason string
}

// Error names the line and field.
func (e *LineError) Error() string {
	return fmt.Sprintf("line %d, %s: %s", e.Line, e.Field, e.Reason)
}

// ErrNoValues is returned for an input that holds no entries at all (only
// blank lines and comments).
var ErrNoValues = errors.New("no entries")

// ContainerValue is one entry of a per-container input: an environment
// variable or a secret of one container, or (Name "") a container's image.
type ContainerValue struct {
	Container string
	Name      string
	Value     string
	Line      int // where it was written, for messages
}

// maxValueLen bounds one value; ECS's whole container definition is far
// smaller than this in practice.
const maxValueLen = 32 << 10

// ParseImages reads the images input: one container=image per line. Blank
// lines and lines starting with # are skipped; a container named twice is
// an error.
func ParseImages(s string) ([]ContainerValue, error) {
	var out []ContainerValue
	seen := map[string]int{}
	for i, line := range strings.Split(s, "\n") {
		n := i + 1
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c, img, ok := strings.Cut(line, "=")
		c, img = strings.TrimSpace(c), strings.TrimSpace(img)
		switch {
		case !ok:
			return nil, &LineError{n, "container", fmt.Sprintf("%q has no \"=\" (expected container=image)", clip(line))}
		case !isName(c):
			return nil, &LineError{n, "container", fmt.Sprintf("%q is not a container name (1-255 letters, digits, hyphens and underscores)", clip(c))}
		case img == "":
			return nil, &LineError{n, "image", fmt.Sprintf("container %s has an empty image", c)}
		case len(img) > 1024 || strings.ContainsAny(img, " \t\"'"):
			return nil, &LineError{n, "image", fmt.Sprintf("%q is not an image reference", clip(img))}
		}
		if prev, dup := seen[c]; dup {
			return nil, &LineError{n, "container", fmt.Sprintf("container %s is named twice (lines %d and %d)", c, prev, n)}
		}
		seen[c] = n
		out = append(out, ContainerValue{Container: c, Value: img, Line: n})
	}
	if len(out) == 0 {
		return nil, ErrNoValues
	}
	return out, nil
}

// ParseContainerValues reads a per-container input (environment, secrets)
// in either of two forms. Lines, one CONTAINER.NAME=value each:
//
//	web.LOG_LEVEL=debug
//	worker.QUEUE=jobs
//
// or YAML, a mapping of containers to mappings of names to scalar values:
//
//	web:
//	  LOG_LEVEL: debug
//	worker:
//	  QUEUE: jobs
//
// The form is the lines form when the first entry has "=" before any ":"
// and starts in the first column. Blank lines and # comments are skipped in
// both. A name given twice for one container is an error, as is a value
// that is not a scalar; errors are *LineError, naming the line and field.
func ParseContainerValues(s string) ([]ContainerValue, error) {
	var out []ContainerValue
	var err error
	if isLineForm(s) {
		out, err = parseValueLines(s)
	} else {
		out, err = parseValueYAML(s)
	}
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrNoValues
	}
	return out, nil
}

func isLineForm(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			return false // indented: YAML
		}
		eq, colon := strings.IndexByte(t, '='), strings.IndexByte(t, ':')
		return eq > 0 && (colon < 0 || eq < colon)
	}
	return false
}

func parseValueLines(s string) ([]ContainerValue, error) {
	var out []ContainerValue
	seen := map[[2]string]int{}
	for i, line := range strings.Split(s, "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, &LineError{n, "name", fmt.Sprintf("%q has no \"=\" (expected container.NAME=value)", clip(t))}
		}
		key = strings.TrimSpace(key)
		c, name, ok := strings.Cut(key, ".")
		if !ok {
			return nil, &LineError{n, "container", fmt.Sprintf("%q does not name a container (expected container.NAME=value)", clip(key))}
		}
		v := ContainerValue{Container: c, Name: name, Value: strings.TrimSpace(val), Line: n}
		if err := checkValue(v, seen); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func parseValueYAML(s string) ([]ContainerValue, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		line := 0
		var te *yaml.TypeError
		if errors.As(err, &te) {
			line = 1
		}
		msg := err.Error()
		if m := reYAMLLine().FindStringSubmatch(msg); m != nil {
			fmt.Sscan(m[1], &line)
		}
		return nil, &LineError{max(line, 1), "yaml", fmt.Sprintf("neither container.NAME=value lines nor YAML: %s", strings.TrimPrefix(msg, "yaml: "))}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &LineError{root.Line, "container", "expected container.NAME=value lines, or a YAML mapping of containers to mappings of names to values"}
	}
	var out []ContainerValue
	seen := map[[2]string]int{}
	seenC := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, m := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, &LineError{k.Line, "container", "a container name must be a plain string"}
		}
		if prev, dup := seenC[k.Value]; dup {
			return nil, &LineError{k.Line, "container", fmt.Sprintf("container %s is named twice (lines %d and %d)", clip(k.Value), prev, k.Line)}
		}
		seenC[k.Value] = k.Line
		if m.Kind != yaml.MappingNode {
			return nil, &LineError{m.Line, "name", fmt.Sprintf("container %s: expected a mapping of names to values", clip(k.Value))}
		}
		for j := 0; j+1 < len(m.Content); j += 2 {
			nk, nv := m.Content[j], m.Content[j+1]
			if nk.Kind != yaml.ScalarNode {
				return nil, &LineError{nk.Line, "name", "a name must be a plain string"}
			}
			if nv.Kind != yaml.ScalarNode {
				return nil, &LineError{nv.Line, "value", fmt.Sprintf("%s.%s: expected a string, number or boolean", clip(k.Value), clip(nk.Value))}
			}
			val := nv.Value
			if nv.Tag == "!!null" {
				val = ""
			}
			v := ContainerValue{Container: k.Value, Name: nk.Value, Value: val, Line: nk.Line}
			if err := checkValue(v, seen); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// reYAMLLine finds the line of a YAML error; compiled on first use, not at start.
var reYAMLLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`line (\d+)`) })

func checkValue(v ContainerValue, seen map[[2]string]int) error {
	switch {
	case !isName(v.Container):
		return &LineError{v.Line, "container", fmt.Sprintf("%q is not a container name (1-255 letters, digits, hyphens and underscores)", clip(v.Container))}
	case !isVarName(v.Name):
		return &LineError{v.Line, "name", fmt.Sprintf("%q is not a variable name (a letter or _, then letters, digits and _)", clip(v.Name))}
	case len(v.Value) > maxValueLen:
		return &LineError{v.Line, "value", fmt.Sprintf("%s.%s is %d bytes long, at most %d allowed", v.Container, v.Name, len(v.Value), maxValueLen)}
	case strings.ContainsRune(v.Value, 0):
		return &LineError{v.Line, "value", fmt.Sprintf("%s.%s contains a NUL character", v.Container, v.Name)}
	}
	k := [2]string{v.Container, v.Name}
	if prev, dup := seen[k]; dup {
		return &LineError{v.Line, "name", fmt.Sprintf("%s.%s is set twice (lines %d and %d)", v.Container, v.Name, prev, v.Line)}
	}
	seen[k] = v.Line
	return nil
}

// clip shortens what is quoted back in a message.
func clip(s string) string {
	const n = 80
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}
