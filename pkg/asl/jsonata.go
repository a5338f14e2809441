package asl

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// This file is a syntax checker for JSONata 2.0.6, the version Step
// Functions runs: the tokenizer and the Pratt parser of the reference
// implementation (jsonata-js parser.js), without building an AST. The Go
// JSONata libraries in the module proxy (github.com/blues/jsonata-go
// v1.5.4 and its fork github.com/xiatechs/jsonata-go v1.8.8) implement
// JSONata 1.5: they reject valid 2.0 expressions with the parent operator
// "%" and (the fork) context binding "@". The differential test against
// the npm jsonata package checks this one.

// jsonataInfo is what the checks need to know of an expression.
type jsonataInfo struct {
	statesFields []string // the fields read from $states ("input", "result", ...)
	unsupported  []string // functions Step Functions does not provide
}

// jsonataError is a syntax error in a JSONata expression.
type jsonataError struct {
	Pos int // character position in the expression, 0-based
	Msg string

	off int // byte offset in the expression
}

func (e *jsonataError) Error() string { return fmt.Sprintf("%s (at character %d)", e.Msg, e.Pos+1) }

// jsonataLBP are the left binding powers of the symbols that have an
// infix form; every other symbol binds 0.
var jsonataLBP = map[string]int{
	".": 75, "[": 80, "(": 80, "{": 70, "@": 80, "#": 80, "?": 20,
	"+": 50, "-": 50, "*": 60, "/": 60, "%": 60, "=": 40, "<": 40, ">": 40, "^": 40,
	":=": 10, "?:": 40, "??": 40, "!=": 40, "<=": 40, ">=": 40, "~>": 40, "and": 30, "or": 25, "in": 40, "&": 50,
}

// jsonataOperatorChars stop a name token.
const jsonataOperatorChars = ".[]{}(),@#;:?+-*/%|=<>^&!~"

type jtokType uint8

const (
	jEnd jtokType = iota
	jName
	jVar
	jOp
	jLiteral
	jRegex
)

type jtok struct {
	typ jtokType
	val string // operator, name or variable name
	pos int    // byte position in the expression
}

// id is the symbol of the token for the parser.
func (t jtok) id() string {
	switch t.typ {
	case jEnd:
		return "(end)"
	case jName, jVar:
		return "(name)"
	case jLiteral:
		return "(literal)"
	case jRegex:
		return "(regex)"
	}
	return t.val
}

func (t jtok) lbp() int {
	if t.typ != jOp {
		return 0
	}
	return jsonataLBP[t.val]
}

type jparser struct {
	src   string
	pos   int // tokenizer position
	node  jtok
	depth int
	info  jsonataInfo
}

// maxJSONataDepth bounds the parser's recursion.
const maxJSONataDepth = 300

type jsonataBail struct{ err *jsonataError }

// parseJSONata checks the syntax of a JSONata expression (the text between
// {% and %}).
func parseJSONata(src string) (info *jsonataInfo, err error) {
	p := &jparser{src: src}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(jsonataBail)
			if !ok {
				panic(r)
			}
			info, err = nil, b.err
		}
	}()
	if strings.TrimSpace(src) == "" {
		return nil, &jsonataError{Msg: "empty expression"}
	}
	p.advance("", false)
	p.expression(0)
	if p.node.typ != jEnd {
		p.fail(p.node.pos, "syntax error: unexpected %s", p.node.describe())
	}
	return &p.info, nil
}

func (t jtok) describe() string {
	switch t.typ {
	case jEnd:
		return "end of expression"
	case jVar:
		return "$" + t.val
	case jLiteral:
		return "literal"
	case jRegex:
		return "regular expression"
	}
	return fmt.Sprintf("%q", t.val)
}

func (p *jparser) fail(pos int, format string, args ...any) {
	if pos > len(p.src) {
		pos = len(p.src)
	}
	panic(jsonataBail{&jsonataError{Pos: utf8.RuneCountInString(p.src[:pos]), Msg: fmt.Sprintf(format, args...), off: pos}})
}

// advance checks that the current token is id (when given) and reads the
// next one; infix says an operand was just read, so '/' divides rather
// than starting a regular expression.
func (p *jparser) advance(id string, infix bool) {
	if id != "" && p.node.id() != id {
		if p.node.typ == jEnd {
			p.fail(p.node.pos, "expected %q before the end of the expression", id)
		}
		p.fail(p.node.pos, "expected %q, got %s", id, p.node.describe())
	}
	p.node = p.lex(infix)
}

// expression parses an expression binding tighter than rbp and returns
// its token when it is a single one (a name, a variable, a literal), or a
// token standing for the compound expression.
func (p *jparser) expression(rbp int) jtok {
	p.depth++
	if p.depth > maxJSONataDepth {
		p.fail(p.node.pos, "expression nested more than %d deep", maxJSONataDepth)
	}
	t := p.node
	p.advance("", true)
	left := p.nud(t)
	for rbp < p.node.lbp() {
		t = p.node
		p.advance("", false)
		left = p.led(t, left)
	}
	p.depth--
	return left
}

// nud parses the prefix form of t; it returns t, or the token standing for
// the result, for the checks that look at the left operand.
func (p *jparser) nud(t jtok) jtok {
	switch t.typ {
	case jName, jVar, jLiteral, jRegex:
		return t
	case jEnd:
		p.fail(t.pos, "unexpected end of expression")
	}
	switch t.val {
	case "and", "or", "in", "*", "**", "%":
		return t
	case "-":
		p.expression(70)
	case "(":
		for p.node.id() != ")" {
			p.expression(0)
			if p.node.id() != ";" {
				break
			}
			p.advance(";", false)
		}
		p.advance(")", true)
	case "[":
		if p.node.id() != "]" {
			for {
				p.expression(0)
				if p.node.id() == ".." {
					p.advance("..", false)
					p.expression(0)
				}
				if p.node.id() != "," {
					break
				}
				p.advance(",", false)
			}
		}
		p.advance("]", true)
	case "{":
		p.object()
	case "|":
		p.expression(0)
		p.advance("|", false)
		p.expression(0)
		if p.node.id() == "," {
			p.advance(",", false)
			p.expression(0)
		}
		p.advance("|", false)
	case "?:", "??":
		p.fail(t.pos, "the %s operator came with JSONata 2.1; Step Functions runs JSONata 2.0.6 (write the condition with ? :)", t.val)
	default:
		p.fail(t.pos, "the symbol %q cannot be used as a unary operator", t.val)
	}
	return jtok{typ: jOp, val: "(expr)", pos: t.pos}
}

func (p *jparser) object() {
	if p.node.id() != "}" {
		for {
			p.expression(0)
			p.advance(":", false)
			p.expression(0)
			if p.node.id() != "," {
				break
			}
			p.advance(",", false)
		}
	}
	p.advance("}", true)
}

// led parses the infix form of t with left operand left.
func (p *jparser) led(t jtok, left jtok) jtok {
	result := jtok{typ: jOp, val: "(expr)", pos: t.pos}
	switch t.val {
	case ".":
		rhs := p.expression(75)
		for _, step := range []jtok{left, rhs} {
			if step.typ == jLiteral && step.val != "string" {
				p.fail(step.pos, "a literal value cannot be a step of a path")
			}
		}
		if left.typ == jVar && left.val == "states" && rhs.typ == jName {
			p.info.statesFields = append(p.info.statesFields, rhs.val)
		}
	case "+", "-", "*", "/", "%", "=", "<", ">", "!=", "<=", ">=", "&", "and", "or", "in", "~>":
		p.expression(jsonataLBP[t.val])
	case "(":
		var args []jtok
		if p.node.id() != ")" {
			for {
				if p.node.typ == jOp && p.node.val == "?" {
					args = append(args, p.node)
					p.advance("?", false)
				} else {
					args = append(args, p.expression(0))
				}
				if p.node.id() != "," {
					break
				}
				p.advance(",", false)
			}
		}
		p.advance(")", true)
		if left.typ == jVar && left.val == "eval" {
			p.info.unsupported = append(p.info.unsupported, "$eval")
		}
		if left.typ == jName && (left.val == "function" || left.val == "λ") {
			for i, a := range args {
				if a.typ != jVar {
					p.fail(a.pos, "parameter %d of a function definition must be a variable name (start with $)", i+1)
				}
			}
			if p.node.id() == "<" {
				depth := 1
				for depth > 0 && p.node.id() != "{" && p.node.typ != jEnd {
					p.advance("", false)
					switch p.node.id() {
					case ">":
						depth--
					case "<":
						depth++
					}
				}
				p.advance(">", false)
			}
			p.advance("{", false)
			p.expression(0)
			p.advance("}", false)
		}
	case "[":
		if p.node.id() == "]" {
			p.advance("]", false)
			return left
		}
		p.expression(0)
		p.advance("]", true)
	case "^":
		p.advance("(", false)
		for {
			if p.node.id() == "<" {
				p.advance("<", false)
			} else if p.node.id() == ">" {
				p.advance(">", false)
			}
			p.expression(0)
			if p.node.id() != "," {
				break
			}
			p.advance(",", false)
		}
		p.advance(")", false)
	case "{":
		p.object()
	case ":=":
		if left.typ != jVar {
			p.fail(left.pos, "the left side of := must be a variable name (start with $)")
		}
		p.expression(jsonataLBP[":="] - 1)
	case "@", "#":
		rhs := p.expression(80)
		if rhs.typ != jVar {
			p.fail(rhs.pos, "the right side of %s must be a variable name (start with $)", t.val)
		}
	case "?:", "??":
		p.fail(t.pos, "the %s operator came with JSONata 2.1; Step Functions runs JSONata 2.0.6 (write the condition with ? :)", t.val)
	case "?":
		p.expression(0)
		if p.node.id() == ":" {
			p.advance(":", false)
			p.expression(0)
		}
	default:
		p.fail(t.pos, "syntax error: %q", t.val)
	}
	return result
}

// lex reads the next token; infix as in advance.
func (p *jparser) lex(infix bool) jtok {
	s := p.src
	for {
		for p.pos < len(s) && strings.IndexByte(" \t\n\r\v", s[p.pos]) >= 0 {
			p.pos++
		}
		if p.pos+1 < len(s) && s[p.pos] == '/' && s[p.pos+1] == '*' {
			start := p.pos
			end := strings.Index(s[p.pos+2:], "*/")
			if end < 0 {
				p.fail(start, "comment has no closing */")
			}
			p.pos += end + 4
			continue
		}
		break
	}
	if p.pos >= len(s) {
		return jtok{typ: jEnd, pos: len(s)}
	}
	start := p.pos
	c := s[p.pos]
	if !infix && c == '/' {
		p.pos++
		return p.regex(start)
	}
	if p.pos+1 < len(s) {
		switch two := s[p.pos : p.pos+2]; two {
		case "..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??":
			p.pos += 2
			return jtok{typ: jOp, val: two, pos: start}
		}
	}
	if strings.IndexByte(jsonataOperatorChars, c) >= 0 {
		p.pos++
		if c == '!' || c == '~' {
			p.fail(start, "unknown operator %q", string(c))
		}
		return jtok{typ: jOp, val: string(c), pos: start}
	}
	switch {
	case c == '"' || c == '\'':
		p.pos++
		start := start
		for p.pos < len(s) {
			ch := s[p.pos]
			if ch == '\\' {
				p.pos++
				if p.pos >= len(s) {
					break
				}
				switch e := s[p.pos]; e {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				case 'u':
					if p.pos+5 > len(s) || !isHex4(s[p.pos+1:p.pos+5]) {
						p.fail(p.pos, "the escape \\u is followed by 4 hexadecimal digits")
					}
					p.pos += 4
				default:
					p.fail(p.pos, "unsupported escape sequence \\%c", e)
				}
			} else if ch == c {
				p.pos++
				return jtok{typ: jLiteral, val: "string", pos: start}
			}
			p.pos++
		}
		p.fail(start, "string literal has no closing %c", c)
	case c >= '0' && c <= '9':
		i := p.pos
		if s[i] == '0' {
			i++
		} else {
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
		}
		if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
			i++
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
		}
		if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
			j := i + 1
			if j < len(s) && (s[j] == '+' || s[j] == '-') {
				j++
			}
			if j < len(s) && s[j] >= '0' && s[j] <= '9' {
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
				i = j
			}
		}
		p.pos = i
		return jtok{typ: jLiteral, pos: start}
	case c == '`':
		end := strings.IndexByte(s[p.pos+1:], '`')
		if end < 0 {
			p.fail(start, "quoted name has no closing `")
		}
		p.pos += end + 2
		return jtok{typ: jName, val: s[start+1 : p.pos-1], pos: start}
	}
	i := p.pos
	for i < len(s) && strings.IndexByte(" \t\n\r\v", s[i]) < 0 && strings.IndexByte(jsonataOperatorChars, s[i]) < 0 {
		i++
	}
	p.pos = i
	if c == '$' {
		return jtok{typ: jVar, val: s[start+1 : i], pos: start}
	}
	switch name := s[start:i]; name {
	case "and", "or", "in":
		return jtok{typ: jOp, val: name, pos: start}
	case "true", "false", "null":
		return jtok{typ: jLiteral, pos: start}
	default:
		return jtok{typ: jName, val: name, pos: start}
	}
}

// regex scans a regular expression literal after its opening '/'.
func (p *jparser) regex(start int) jtok {
	s := p.src
	depth := 0
	for i := p.pos; i < len(s); i++ {
		c := s[i]
		if c == '/' && depth == 0 {
			bs := 0
			for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
				bs++
			}
			if bs%2 == 0 {
				if i == p.pos {
					p.fail(i, "empty regular expression")
				}
				i++
				for i < len(s) && (s[i] == 'i' || s[i] == 'm') {
					i++
				}
				p.pos = i
				return jtok{typ: jRegex, pos: start}
			}
		}
		if (c == '(' || c == '[' || c == '{') && (i == 0 || s[i-1] != '\\') {
			depth++
		}
		if (c == ')' || c == ']' || c == '}') && (i == 0 || s[i-1] != '\\') {
			depth--
		}
	}
	p.fail(start, "regular expression has no closing /")
	return jtok{}
}

func isHex4(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return len(s) == 4
}
