package stepfunctions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUndefinedPlaceholder: the definition has a ${Name} placeholder that no
// substitution gives a value. Matched with errors.Is; the error is a
// *PlaceholderError naming it.
var ErrUndefinedPlaceholder = errors.New("definition placeholder without a value")

// PlaceholderError names the ${Name} placeholders of a definition that have
// no value, each with the line it is first on.
type PlaceholderError struct {
	Source  string // the definition's file name, for messages
	Missing []Placeholder
}

// Placeholder is one ${Name} of a definition.
type Placeholder struct {
	Name string
	Line int
}

func (e *PlaceholderError) Error() string {
	var parts []string
	for _, p := range e.Missing {
		parts = append(parts, fmt.Sprintf("${%s} (line %d)", p.Name, p.Line))
	}
	src := e.Source
	if src == "" {
		src = "definition"
	}
	return fmt.Sprintf("%s: no value for %s: set it in the substitutions input or the stagecrew.dev/definition-substitutions annotations",
		src, strings.Join(parts, ", "))
}

// Unwrap makes the error match ErrUndefinedPlaceholder.
func (e *PlaceholderError) Unwrap() error { return ErrUndefinedPlaceholder }

// Substitute replaces the ${Name} placeholders of a definition with values,
// as SAM's DefinitionSubstitutions do: a name is letters, digits and
// underscores, not starting with a digit, or one of AWS::Region,
// AWS::AccountId and AWS::Partition. Inside a JSON string the value is
// escaped for JSON (a value with a quote cannot break the document);
// elsewhere it is written as it is, so "TimeoutSeconds": ${Timeout} takes
// a number. "${" not followed by a name and "}" is left alone. Every
// placeholder without a value is named, with its line, in one
// *PlaceholderError.
func Substitute(source string, definition []byte, values map[string]string) ([]byte, error) {
	var out []byte
	var missing []Placeholder
	inString, escaped := false, false
	line := 1
	for i := 0; i < len(definition); i++ {
		c := definition[i]
		switch {
		case c == '\n':
			line++
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case c == '$' && i+1 < len(definition) && definition[i+1] == '{':
			name, n := placeholderAt(definition[i:])
			if n == 0 {
				break
			}
			v, ok := values[name]
			if !ok {
				if !slices.ContainsFunc(missing, func(p Placeholder) bool { return p.Name == name }) {
					missing = append(missing, Placeholder{Name: name, Line: line})
				}
			} else if inString {
				out = append(out, jsonStringContent(v)...)
			} else {
				out = append(out, v...)
			}
			i += n - 1
			continue
		}
		out = append(out, c)
	}
	if len(missing) > 0 {
		return nil, &PlaceholderError{Source: source, Missing: missing}
	}
	return out, nil
}

// Placeholders lists the ${Name} placeholders of a definition, each once,
// in the order they first appear.
func Placeholders(definition []byte) []Placeholder {
	var out []Placeholder
	line := 1
	for i := 0; i < len(definition); i++ {
		switch definition[i] {
		case '\n':
			line++
		case '$':
			if name, n := placeholderAt(definition[i:]); n > 0 {
				if !slices.ContainsFunc(out, func(p Placeholder) bool { return p.Name == name }) {
					out = append(out, Placeholder{Name: name, Line: line})
				}
				i += n - 1
			}
		}
	}
	return out
}

// maxPlaceholderName bounds a placeholder's name.
const maxPlaceholderName = 128

// placeholderAt returns the name of the placeholder b starts with and its
// length in bytes, or 0 when b does not start with one.
func placeholderAt(b []byte) (string, int) {
	if len(b) < 4 || b[0] != '$' || b[1] != '{' {
		return "", 0
	}
	end := -1
	for j := 2; j < len(b) && j < 2+maxPlaceholderName+1; j++ {
		if b[j] == '}' {
			end = j
			break
		}
	}
	if end < 0 {
		return "", 0
	}
	name := string(b[2:end])
	if !validPlaceholder(name) {
		return "", 0
	}
	return name, end + 1
}

func validPlaceholder(name string) bool {
	switch name {
	case "AWS::Region", "AWS::AccountId", "AWS::Partition":
		return true
	}
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		return false
	}
	for _, c := range []byte(name) {
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// jsonStringContent returns s escaped for use inside a JSON string literal.
func jsonStringContent(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return out[1 : len(out)-1]
}
