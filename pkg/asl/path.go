package asl

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// checkPath checks a Path: a JSONPath starting with $ (the input), $$
// (the context object) or, when vars, $name (a variable). The full
// JSONPath syntax Step Functions accepts is allowed after the root:
// .name, ..name, .*, [index], [a,b], [start:end:step], ['name'], [*] and
// filters [?(...)]; functions such as .length() are not (Step Functions
// fails such paths when it runs them).
func checkPath(s string, vars bool) error {
	rest, err := pathRoot(s, vars)
	if err != nil {
		return err
	}
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			if strings.HasPrefix(rest, ".") {
				rest = rest[1:] // deep scan
			}
			if rest == "" {
				return errors.New("ends with '.'")
			}
			if rest[0] == '[' {
				continue
			}
			n := nameLen(rest)
			if n == 0 {
				return fmt.Errorf("a name is missing after '.' at %q", clipRest(rest))
			}
			rest = rest[n:]
			if strings.HasPrefix(rest, "(") {
				return errors.New("JSONPath functions such as length() are not supported by Step Functions (States.ArrayLength is)")
			}
		case '[':
			end, err := bracketEnd(rest)
			if err != nil {
				return err
			}
			inner := strings.TrimSpace(rest[1:end])
			if inner == "" {
				return errors.New("empty brackets []")
			}
			rest = rest[end+1:]
		default:
			return fmt.Errorf("unexpected %q; after the root a path goes on with '.' or '['", clipRest(rest))
		}
	}
	return nil
}

// checkReferencePath checks a Reference Path: a Path that names a single
// node, so only .name, ['name'] and [index] after the root.
func checkReferencePath(s string, vars bool) error {
	rest, err := pathRoot(s, vars)
	if err != nil {
		return err
	}
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			if rest == "" {
				return errors.New("ends with '.'")
			}
			if rest[0] == '.' {
				return errors.New("'..' (deep scan) can match many nodes; a reference path names one")
			}
			if rest[0] == '*' {
				return errors.New("'*' can match many nodes; a reference path names one")
			}
			n := nameLen(rest)
			if n == 0 {
				return fmt.Errorf("a name is missing after '.' at %q", clipRest(rest))
			}
			if strings.HasPrefix(rest[n:], "()") {
				return errors.New("a function call is not allowed in a reference path")
			}
			rest = rest[n:]
		case '[':
			end, err := bracketEnd(rest)
			if err != nil {
				return err
			}
			inner := strings.TrimSpace(rest[1:end])
			if !isIndex(inner) && !isQuotedName(inner) {
				return fmt.Errorf("[%s] can match many nodes; a reference path allows only [index] and ['name']", clip(inner))
			}
			rest = rest[end+1:]
		default:
			return fmt.Errorf("unexpected %q; after the root a reference path goes on with '.' or '['", clipRest(rest))
		}
	}
	return nil
}

// pathRoot strips the root ($, $$ or $name) of a path.
func pathRoot(s string, vars bool) (string, error) {
	switch {
	case s == "":
		return "", errors.New("a path is not empty: it starts with $")
	case s[0] != '$':
		return "", errors.New("a path starts with $ (the input), $$ (the context object) or a $variable")
	case strings.HasPrefix(s, "$$"):
		return s[2:], nil
	}
	rest := s[1:]
	if n := identLen(rest); n > 0 {
		if !vars {
			return "", fmt.Errorf("variable $%s is not allowed here", rest[:n])
		}
		return rest[n:], nil
	}
	return rest, nil
}

// identLen is the length of the variable name at the start of s.
func identLen(s string) int {
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f && isLetter(r) || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return i
	}
	return len(s)
}

// nameLen is the length of a dot-notation member name at the start of s.
func nameLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.', '[', ']', '(', ')', ' ', '\t', '\n', '\r', '\'', '"':
			return i
		case '*':
			if i == 0 {
				return 1
			}
			return i
		}
	}
	return len(s)
}

// bracketEnd returns the index of the ']' closing the '[' at s[0],
// skipping quoted strings and nested brackets and parentheses.
func bracketEnd(s string) (int, error) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'', '"':
			q := s[i]
			i++
			for ; i < len(s) && s[i] != q; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i >= len(s) {
				return 0, errors.New("unterminated quoted name in brackets")
			}
		case '[', '(':
			depth++
		case ']', ')':
			depth--
			if depth == 0 {
				if s[i] != ']' {
					return 0, errors.New("unbalanced parentheses in brackets")
				}
				return i, nil
			}
			if depth < 0 {
				return 0, errors.New("unbalanced brackets")
			}
		}
	}
	return 0, errors.New("'[' is not closed")
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isQuotedName(s string) bool {
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') || s[len(s)-1] != s[0] {
		return false
	}
	return !strings.ContainsRune(s[1:len(s)-1], rune(s[0])) || strings.Contains(s[1:len(s)-1], "\\")
}

func clipRest(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// isTimestamp checks the specification's timestamp profile: RFC 3339 with
// an uppercase T between date and time and an uppercase Z when no numeric
// offset is given.
func isTimestamp(s string) bool {
	if strings.ContainsAny(s, "tz ") {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}
