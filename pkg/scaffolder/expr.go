package scaffolder

import (
	"fmt"
	"strings"
)

// parseExpr checks that x is a well-formed Nunjucks expression, the language
// inside Backstage's ${{ }}: literals, names, member access, calls, filters
// (a | f(b)), arithmetic, comparisons, and/or/not, in, is, and the inline
// "a if c else b". It checks syntax only; names are checked by the linter.
func parseExpr(x string) error {
	toks, err := tokenize(x)
	if err != nil {
		return err
	}
	p := &exprParser{toks: toks}
	if p.peek().kind == tEOF {
		return fmt.Errorf("empty expression")
	}
	if err := p.expr(); err != nil {
		return err
	}
	if t := p.peek(); t.kind != tEOF {
		return fmt.Errorf("unexpected %q after the expression", t.text)
	}
	return nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tName
	tNumber
	tString
	tOp
)

type token struct {
	kind tokKind
	text string
}

func tokenize(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("string starting at %q is never closed", s[i:])
			}
			out = append(out, token{tString, s[i : j+1]})
			i = j + 1
		case c == 'r' && i+1 < len(s) && s[i+1] == '/':
			// A Nunjucks regular expression literal: r/pattern/flags.
			j := i + 2
			for j < len(s) && s[j] != '/' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("regular expression starting at %q is never closed", s[i:])
			}
			j++
			for j < len(s) && (s[j] == 'g' || s[j] == 'i' || s[j] == 'm' || s[j] == 'y') {
				j++
			}
			out = append(out, token{tString, s[i:j]})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == '_') {
				j++
			}
			out = append(out, token{tNumber, s[i:j]})
			i = j
		case c == '_' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
			j := i
			for j < len(s) && (s[j] == '$' || isWordByte(s[j])) {
				j++
			}
			out = append(out, token{tName, s[i:j]})
			i = j
		default:
			op := ""
			for _, cand := range []string{"===", "!==", "**", "//", "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ",", ":", ".", "|", "+", "-", "*", "/", "%", "<", ">", "~", "!", "="} {
				if strings.HasPrefix(s[i:], cand) {
					op = cand
					break
				}
			}
			if op == "" {
				return nil, fmt.Errorf("unexpected character %q", c)
			}
			out = append(out, token{tOp, op})
			i += len(op)
		}
	}
	return append(out, token{kind: tEOF}), nil
}

func isWordByte(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

type exprParser struct {
	toks []token
	pos  int
}

func (p *exprParser) peek() token { return p.toks[p.pos] }
func (p *exprParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *exprParser) isOp(s string) bool   { t := p.peek(); return t.kind == tOp && t.text == s }
func (p *exprParser) isName(s string) bool { t := p.peek(); return t.kind == tName && t.text == s }

func (p *exprParser) expect(op string) error {
	if !p.isOp(op) {
		t := p.peek()
		if t.kind == tEOF {
			return fmt.Errorf("expected %q but the expression ended", op)
		}
		return fmt.Errorf("expected %q, found %q", op, t.text)
	}
	p.next()
	return nil
}

// expr: or ("if" or ("else" expr)?)?
func (p *exprParser) expr() error {
	if err := p.binary(0); err != nil {
		return err
	}
	if p.isName("if") {
		p.next()
		if err := p.binary(0); err != nil {
			return err
		}
		if p.isName("else") {
			p.next()
			return p.expr()
		}
	}
	return nil
}

// Binary operators by precedence level, lowest first.
var levels = [][]string{
	{"or"},
	{"and"},
	{"in", "is", "==", "===", "!=", "!==", "<", ">", "<=", ">="},
	{"~"},
	{"+", "-"},
	{"*", "/", "//", "%"},
	{"**"},
}

func (p *exprParser) binary(level int) error {
	if level == len(levels) {
		return p.unary()
	}
	if err := p.binary(level + 1); err != nil {
		return err
	}
	for {
		t := p.peek()
		matched := false
		for _, op := range levels[level] {
			if t.text == op && (t.kind == tOp || t.kind == tName) {
				matched = true
			}
		}
		if !matched {
			return nil
		}
		p.next()
		if t.text == "is" && p.isName("not") {
			p.next() // "x is not defined"
		}
		if p.peek().kind == tEOF {
			return fmt.Errorf("%q has nothing after it", t.text)
		}
		if err := p.binary(level + 1); err != nil {
			return err
		}
	}
}

func (p *exprParser) unary() error {
	if p.isName("not") || p.isOp("-") || p.isOp("+") || p.isOp("!") {
		p.next()
		return p.unary()
	}
	return p.postfix()
}

func (p *exprParser) postfix() error {
	if err := p.primary(); err != nil {
		return err
	}
	for {
		switch {
		case p.isOp("."):
			p.next()
			if t := p.next(); t.kind != tName && t.kind != tNumber {
				return fmt.Errorf("expected a name after '.', found %q", t.text)
			}
		case p.isOp("["):
			p.next()
			if err := p.expr(); err != nil {
				return err
			}
			if err := p.expect("]"); err != nil {
				return err
			}
		case p.isOp("("):
			if err := p.args(")"); err != nil {
				return err
			}
		case p.isOp("|"):
			p.next()
			if t := p.next(); t.kind != tName {
				return fmt.Errorf("expected a filter name after '|', found %q", t.text)
			}
			for p.isOp(".") {
				p.next()
				if t := p.next(); t.kind != tName {
					return fmt.Errorf("expected a name after '.', found %q", t.text)
				}
			}
			if p.isOp("(") {
				if err := p.args(")"); err != nil {
					return err
				}
			}
		default:
			return nil
		}
	}
}

// args parses "(a, b=c, ...)" or "[a, b]".
func (p *exprParser) args(closer string) error {
	p.next() // the opener
	for !p.isOp(closer) {
		if p.peek().kind == tName && p.toks[p.pos+1].kind == tOp && p.toks[p.pos+1].text == "=" {
			p.pos += 2
		}
		if err := p.expr(); err != nil {
			return err
		}
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	return p.expect(closer)
}

func (p *exprParser) primary() error {
	t := p.peek()
	switch {
	case t.kind == tName && (t.text == "and" || t.text == "or" || t.text == "if" || t.text == "else" || t.text == "in" || t.text == "is"):
		return fmt.Errorf("unexpected %q", t.text)
	case t.kind == tName, t.kind == tNumber, t.kind == tString:
		p.next()
		return nil
	case p.isOp("("):
		p.next()
		if err := p.expr(); err != nil {
			return err
		}
		return p.expect(")")
	case p.isOp("["):
		return p.args("]")
	case p.isOp("{"):
		p.next()
		for !p.isOp("}") {
			if err := p.expr(); err != nil {
				return err
			}
			if err := p.expect(":"); err != nil {
				return err
			}
			if err := p.expr(); err != nil {
				return err
			}
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		return p.expect("}")
	case t.kind == tEOF:
		return fmt.Errorf("the expression ends where a value is expected")
	}
	return fmt.Errorf("unexpected %q", t.text)
}
