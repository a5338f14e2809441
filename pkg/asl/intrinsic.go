package asl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// intrinsicArg is one parsed argument of an intrinsic function call.
type intrinsicArg struct {
	kind string // "string", "number", "boolean", "null", "path" or "call"
	text string // a string's unescaped text, a number's literal, a path, a call's function name
}

// intrinsicFunc is an intrinsic function's arity and argument check.
type intrinsicFunc struct {
	min, max int // max < 0: any number
	check    func(args []intrinsicArg) error
}

// maxArrayRange is the most items States.ArrayRange may produce.
const maxArrayRange = 1000

var intrinsicFuncs = map[string]intrinsicFunc{
	"States.Format": {1, -1, func(a []intrinsicArg) error {
		if a[0].kind == "string" {
			if n := placeholders(a[0].text); n != len(a)-1 {
				return fmt.Errorf("the template has %d {} placeholders but %d values follow it", n, len(a)-1)
			}
		} else if a[0].kind != "path" {
			return errors.New("the first argument is the template string")
		}
		return nil
	}},
	"States.StringToJson":   {1, 1, wantKinds("string")},
	"States.JsonToString":   {1, 1, wantKinds("")},
	"States.Array":          {0, -1, nil},
	"States.ArrayPartition": {2, 2, wantKinds("", "positive")},
	"States.ArrayContains":  {2, 2, nil},
	"States.ArrayRange": {3, 3, func(a []intrinsicArg) error {
		if err := wantKinds("integer", "integer", "nonzero")(a); err != nil {
			return err
		}
		if a[0].kind == "number" && a[1].kind == "number" && a[2].kind == "number" {
			start, _ := strconv.ParseFloat(a[0].text, 64)
			end, _ := strconv.ParseFloat(a[1].text, 64)
			step, _ := strconv.ParseFloat(a[2].text, 64)
			if n := (end-start)/step + 1; n > maxArrayRange {
				return fmt.Errorf("the range has %.0f items; States.ArrayRange makes at most %d", n, maxArrayRange)
			}
		}
		return nil
	}},
	"States.ArrayGetItem": {2, 2, wantKinds("", "index")},
	"States.ArrayLength":  {1, 1, nil},
	"States.ArrayUnique":  {1, 1, nil},
	"States.Base64Encode": {1, 1, wantKinds("string")},
	"States.Base64Decode": {1, 1, wantKinds("string")},
	"States.Hash": {2, 2, func(a []intrinsicArg) error {
		if a[1].kind == "string" {
			switch a[1].text {
			case "MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512":
			default:
				return fmt.Errorf("hash algorithm %q is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", clip(a[1].text))
			}
		}
		return wantKinds("", "string")(a)
	}},
	"States.JsonMerge": {3, 3, func(a []intrinsicArg) error {
		if a[2].kind != "boolean" || a[2].text != "false" {
			return errors.New("the third argument is false: only shallow merges are supported")
		}
		return nil
	}},
	"States.MathRandom":  {2, 3, wantKinds("integer", "integer", "integer")},
	"States.MathAdd":     {2, 2, wantKinds("integer", "integer")},
	"States.StringSplit": {2, 2, wantKinds("string", "string")},
	"States.UUID":        {0, 0, nil},
}

// wantKinds checks literal arguments against kinds, position by position:
// "" anything; "string"; "integer"; "positive" and "nonzero" integers;
// "index" a non-negative integer. Paths and nested calls always pass (their
// values are known only at run time).
func wantKinds(kinds ...string) func([]intrinsicArg) error {
	return func(args []intrinsicArg) error {
		for i, a := range args {
			if i >= len(kinds) || kinds[i] == "" || a.kind == "path" || a.kind == "call" {
				continue
			}
			switch kinds[i] {
			case "string":
				if a.kind != "string" {
					return fmt.Errorf("argument %d is a string, not a %s", i+1, a.kind)
				}
			default:
				if a.kind != "number" {
					return fmt.Errorf("argument %d is an integer, not a %s", i+1, a.kind)
				}
				n, err := strconv.ParseInt(a.text, 10, 64)
				if err != nil {
					return fmt.Errorf("argument %d is an integer, not %s", i+1, a.text)
				}
				switch {
				case kinds[i] == "positive" && n <= 0:
					return fmt.Errorf("argument %d is a positive integer, not %d", i+1, n)
				case kinds[i] == "nonzero" && n == 0:
					return fmt.Errorf("argument %d is not 0", i+1)
				case kinds[i] == "index" && n < 0:
					return fmt.Errorf("argument %d is an index (0 or more), not %d", i+1, n)
				}
			}
		}
		return nil
	}
}

// placeholders counts the {} of a States.Format template (escaped \{ \}
// were unescaped into "\x00" markers by the parser, so they do not count).
func placeholders(s string) int {
	return strings.Count(s, "{}")
}

// maxIntrinsicDepth bounds nested calls.
const maxIntrinsicDepth = 20

type iparser struct {
	s     string
	pos   int
	depth int
}

// checkIntrinsic checks an intrinsic function call such as
// States.Format('Hello, {}', $.name).
func checkIntrinsic(s string) error {
	p := &iparser{s: s}
	if _, err := p.call(); err != nil {
		return err
	}
	p.space()
	if p.pos < len(p.s) {
		return fmt.Errorf("unexpected %q after the call", clipRest(p.s[p.pos:]))
	}
	return nil
}

func (p *iparser) space() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// call parses States.Name(args) at p.pos and returns the function name.
func (p *iparser) call() (string, error) {
	p.depth++
	if p.depth > maxIntrinsicDepth {
		return "", fmt.Errorf("calls nested more than %d deep", maxIntrinsicDepth)
	}
	defer func() { p.depth-- }()
	start := p.pos
	for p.pos < len(p.s) && p.s[p.pos] != '(' {
		p.pos++
	}
	name := strings.TrimSpace(p.s[start:p.pos])
	if p.pos >= len(p.s) {
		return "", fmt.Errorf("%q is not a call: '(' is missing", clip(name))
	}
	fn, ok := intrinsicFuncs[name]
	if !ok {
		return "", fmt.Errorf("%q is not an intrinsic function", clip(name))
	}
	p.pos++ // (
	var args []intrinsicArg
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == ')' {
		p.pos++
	} else {
		for {
			p.space()
			a, err := p.arg()
			if err != nil {
				return "", fmt.Errorf("%s: %w", name, err)
			}
			args = append(args, a)
			p.space()
			if p.pos >= len(p.s) {
				return "", fmt.Errorf("%s: ')' is missing", name)
			}
			if p.s[p.pos] == ')' {
				p.pos++
				break
			}
			if p.s[p.pos] != ',' {
				return "", fmt.Errorf("%s: unexpected %q, want ',' or ')'", name, clipRest(p.s[p.pos:]))
			}
			p.pos++
		}
	}
	if len(args) < fn.min || fn.max >= 0 && len(args) > fn.max {
		want := strconv.Itoa(fn.min)
		switch {
		case fn.max < 0:
			want = "at least " + want
		case fn.max != fn.min:
			want += " to " + strconv.Itoa(fn.max)
		}
		return "", fmt.Errorf("%s takes %s %s, not %d", name, want, plural(fn.max == 1 && fn.min == 1, "argument", "arguments"), len(args))
	}
	if fn.check != nil {
		if err := fn.check(args); err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
	}
	return name, nil
}

func plural(one bool, a, b string) string {
	if one {
		return a
	}
	return b
}

// arg parses one argument at p.pos.
func (p *iparser) arg() (intrinsicArg, error) {
	if p.pos >= len(p.s) {
		return intrinsicArg{}, errors.New("an argument is missing")
	}
	rest := p.s[p.pos:]
	switch c := rest[0]; {
	case c == '\'':
		var b strings.Builder
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				if i+1 >= len(rest) {
					return intrinsicArg{}, errors.New("a string ends in a lone backslash")
				}
				i++
				switch rest[i] {
				case '{', '}':
					b.WriteByte(0) // escaped braces are not placeholders
				default:
					b.WriteByte(rest[i])
				}
			case '\'':
				p.pos += i + 1
				return intrinsicArg{kind: "string", text: b.String()}, nil
			default:
				b.WriteByte(rest[i])
			}
		}
		return intrinsicArg{}, errors.New("a string has no closing quote")
	case c == '$':
		end, err := pathArgEnd(rest)
		if err != nil {
			return intrinsicArg{}, err
		}
		path := strings.TrimSpace(rest[:end])
		if err := checkPath(path, true); err != nil {
			return intrinsicArg{}, fmt.Errorf("path %q: %w", clip(path), err)
		}
		p.pos += end
		return intrinsicArg{kind: "path", text: path}, nil
	case c == '-' || c >= '0' && c <= '9':
		i := 1
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.' || rest[i] == 'e' || rest[i] == 'E' || rest[i] == '+' || rest[i] == '-') {
			i++
		}
		if _, err := strconv.ParseFloat(rest[:i], 64); err != nil {
			return intrinsicArg{}, fmt.Errorf("%q is not a number", clip(rest[:i]))
		}
		p.pos += i
		return intrinsicArg{kind: "number", text: rest[:i]}, nil
	case strings.HasPrefix(rest, "true"), strings.HasPrefix(rest, "false"):
		w := "true"
		if c == 'f' {
			w = "false"
		}
		p.pos += len(w)
		return intrinsicArg{kind: "boolean", text: w}, nil
	case strings.HasPrefix(rest, "null"):
		p.pos += 4
		return intrinsicArg{kind: "null"}, nil
	case strings.HasPrefix(rest, "States."):
		name, err := p.call()
		return intrinsicArg{kind: "call", text: name}, err
	}
	return intrinsicArg{}, fmt.Errorf("unexpected %q: an argument is a 'string', a number, true, false, null, a path or a call", clipRest(rest))
}

// pathArgEnd finds where a path argument ends: the first ',' or ')' that
// is outside brackets, parentheses and quotes.
func pathArgEnd(s string) (int, error) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'', '"':
			q := s[i]
			for i++; i < len(s) && s[i] != q; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i >= len(s) {
				return 0, errors.New("a quoted name in a path has no closing quote")
			}
		case '[', '(':
			depth++
		case ']':
			depth--
		case ')':
			if depth == 0 {
				return i, nil
			}
			depth--
		case ',':
			if depth == 0 {
				return i, nil
			}
		}
	}
	return len(s), nil
}
