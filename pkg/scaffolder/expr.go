package scaffolder

import (
	"fmt"
	"strings"
)

// parseExpr checks that x is an expression the scaffolder's template
// engine parses: nunjitsu 0.6.2, which @backstage/plugin-scaffolder-backend
// 4.2.0 renders ${{ }} with. Its grammar is a subset of Nunjucks: no "!",
// "||" or "&&" (write not, or, and), no "a.0" (write a[0]), no "$" in
// names; "(a, b)" is a group. The tokenizer and the recursive descent
// below follow nunjitsu's (src/parser/expression.ts) rule for rule, and a
// differential test checks them against the engine. Names are checked by
// the linter, not here.
func parseExpr(x string) error {
	toks, err := tokenize(x)
	if err != nil {
		return err
	}
	p := &exprParser{toks: toks}
	if err := p.inlineIf(); err != nil {
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
	tRegex
	tOp
)

type token struct {
	kind tokKind
	text string // for a string: its value
}

// stringEscapes are the escapes nunjitsu's strings know; any other
// escaped character stands for itself.
var stringEscapes = map[byte]byte{'n': '\n', 'r': '\r', 't': '\t'}

// maxNesting is nunjitsu's default nestingDepth limit.
const maxNesting = 512

// reservedNames are refused anywhere a name or key is written.
var reservedNames = map[string]bool{"constructor": true, "prototype": true, "__proto__": true}

func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }

// scanIdentifier is nunjitsu's: [A-Za-z_][A-Za-z0-9_]*, with leading
// digits allowed right after a ".".
func scanIdentifier(s string, start int, leadingDigits bool) (string, int, bool) {
	i := start
	if leadingDigits {
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i >= len(s) || !isIdentStart(s[i]) {
		return "", 0, false
	}
	i++
	for i < len(s) && (isIdentStart(s[i]) || isDigit(s[i])) {
		i++
	}
	return s[start:i], i, true
}

// codeSpace is nunjitsu's code whitespace: space, tab, CR, LF and U+00A0.
func codeSpace(s string, i int) int {
	switch s[i] {
	case ' ', '\t', '\n', '\r':
		return 1
	case 0xc2:
		if i+1 < len(s) && s[i+1] == 0xa0 {
			return 2
		}
	}
	return 0
}

var multiOps = []string{"===", "!==", "**", "//", "==", "!=", "<=", ">="}

func tokenize(s string) ([]token, error) {
	var out []token
	prev := func() token {
		if len(out) == 0 {
			return token{kind: -1}
		}
		return out[len(out)-1]
	}
	for i := 0; i < len(s); {
		if n := codeSpace(s, i); n > 0 {
			i += n
			continue
		}
		c := s[i]
		p := prev()
		if name, end, ok := scanIdentifier(s, i, p.kind == tOp && p.text == "."); ok {
			if name == "r" && end < len(s) && s[end] == '/' {
				re, rend, err := scanRegex(s, i)
				if err != nil {
					return nil, err
				}
				out = append(out, token{tRegex, re})
				i = rend
				continue
			}
			out = append(out, token{tName, name})
			i = end
			continue
		}
		afterOperand := p.kind == tName || p.kind == tNumber || p.kind == tString || p.kind == tRegex ||
			(p.kind == tOp && (p.text == ")" || p.text == "]" || p.text == "}"))
		if c == '.' && i+1 < len(s) && isDigit(s[i+1]) && !afterOperand {
			return nil, fmt.Errorf("invalid number %q", s[i:min(len(s), i+8)])
		}
		if isDigit(c) {
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '.' {
				j++
				for j < len(s) && isDigit(s[j]) {
					j++
				}
			}
			if j < len(s) && isIdentStart(s[j]) {
				return nil, fmt.Errorf("invalid number %q (a name cannot start with a digit)", s[i:j+1])
			}
			out = append(out, token{tNumber, s[i:j]})
			i = j
			continue
		}
		if c == '"' || c == '\'' {
			var b strings.Builder
			j := i + 1
			closed := false
			for ; j < len(s); j++ {
				if s[j] == c {
					closed = true
					break
				}
				if s[j] == '\\' {
					j++
					if j >= len(s) {
						break
					}
					if e, ok := stringEscapes[s[j]]; ok {
						b.WriteByte(e)
						continue
					}
				}
				b.WriteByte(s[j])
			}
			if !closed {
				return nil, fmt.Errorf("string starting at %q is never closed", clip(s[i:]))
			}
			out = append(out, token{tString, b.String()})
			i = j + 1
			continue
		}
		op := ""
		for _, cand := range multiOps {
			if strings.HasPrefix(s[i:], cand) {
				op = cand
				break
			}
		}
		if op == "" {
			if !strings.ContainsRune("()[]{}.,:|~+-*/%<>=", rune(c)) {
				r := []rune(s[i:min(len(s), i+4)])[0]
				switch r {
				case '!':
					return nil, fmt.Errorf(`unexpected "!": the template engine has no "!", "!a" is written "not a"`)
				case '&':
					return nil, fmt.Errorf(`unexpected "&": the template engine has no "&&", write "and"`)
				case '$':
					return nil, fmt.Errorf(`unexpected "$": names are letters, digits and _`)
				}
				return nil, fmt.Errorf("unexpected character %q", r)
			}
			op = string(c)
		}
		out = append(out, token{tOp, op})
		i += len(op)
	}
	return append(out, token{kind: tEOF}), nil
}

func clip(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

// scanRegex reads an r/pattern/flags literal starting at start, as
// nunjitsu's scanRegexLiteral does, and returns it and where it ends.
func scanRegex(s string, start int) (string, int, error) {
	backslashes := 0
	for i := start + 2; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			backslashes++
			continue
		case c == '/' && backslashes > 0:
			if backslashes%2 == 0 {
				return "", 0, fmt.Errorf("ambiguous escape of the regular expression's closing /")
			}
		case c == '/':
			pattern := s[start+2 : i]
			end := i + 1
			flags := ""
			for end < len(s) && strings.IndexByte("gimy", s[end]) >= 0 {
				if strings.IndexByte(flags, s[end]) >= 0 {
					return "", 0, fmt.Errorf("regular expression flag %q given twice", s[end])
				}
				flags += string(s[end])
				end++
			}
			if end < len(s) && (s[end]|0x20 >= 'a' && s[end]|0x20 <= 'z') {
				return "", 0, fmt.Errorf("unsupported regular expression flag %q", s[end])
			}
			if err := checkPattern(pattern, strings.Contains(flags, "u")); err != nil {
				return "", 0, fmt.Errorf("regular expression r/%s/ does not compile: %v", pattern, err)
			}
			return pattern + "/" + flags, end, nil
		}
		backslashes = 0
	}
	return "", 0, fmt.Errorf("regular expression starting at %q is never closed", clip(s[start:]))
}

type exprParser struct {
	toks  []token
	pos   int
	depth int
}

func (p *exprParser) peek() token { return p.toks[p.pos] }
func (p *exprParser) peekAt(n int) token {
	return p.toks[min(p.pos+n, len(p.toks)-1)]
}

func (p *exprParser) consume(op string) bool {
	if t := p.peek(); t.kind == tOp && t.text == op {
		p.pos++
		return true
	}
	return false
}

func (p *exprParser) consumeName(name string) bool {
	if t := p.peek(); t.kind == tName && t.text == name {
		p.pos++
		return true
	}
	return false
}

func describeTok(t token) string {
	if t.kind == tEOF {
		return "the end of the expression"
	}
	if t.kind == tString {
		return fmt.Sprintf("the string %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *exprParser) expectOp(op string) error {
	if !p.consume(op) {
		return fmt.Errorf("expected %q, found %s", op, describeTok(p.peek()))
	}
	return nil
}

func (p *exprParser) expectName(what string) (string, error) {
	t := p.peek()
	if t.kind != tName {
		if t.kind == tNumber && what == "a name after '.'" {
			return "", fmt.Errorf("expected a name after '.', found %s (write [%s] for an index)", describeTok(t), t.text)
		}
		return "", fmt.Errorf("expected %s, found %s", what, describeTok(t))
	}
	p.pos++
	if reservedNames[t.text] {
		return "", fmt.Errorf("the name %q is reserved", t.text)
	}
	return t.text, nil
}

func (p *exprParser) nested(f func() error) error {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return fmt.Errorf("nested more than %d levels deep", maxNesting)
	}
	return f()
}

// inlineIf: or ("if" or ("else" or)?)?
func (p *exprParser) inlineIf() error {
	if err := p.or(); err != nil {
		return err
	}
	if !p.consumeName("if") {
		return nil
	}
	if err := p.or(); err != nil {
		return err
	}
	if p.consumeName("else") {
		return p.nested(p.or)
	}
	return nil
}

func (p *exprParser) or() error {
	if err := p.and(); err != nil {
		return err
	}
	for p.consumeName("or") {
		if err := p.and(); err != nil {
			return err
		}
	}
	return nil
}

func (p *exprParser) and() error {
	if err := p.not(); err != nil {
		return err
	}
	for p.consumeName("and") {
		if err := p.not(); err != nil {
			return err
		}
	}
	return nil
}

func (p *exprParser) not() error {
	if p.consumeName("not") {
		return p.nested(p.not)
	}
	return p.membership()
}

func (p *exprParser) membership() error {
	if err := p.test(); err != nil {
		return err
	}
	for {
		if t0, t1 := p.peek(), p.peekAt(1); t0.text == "not" && t1.text == "in" && t0.kind != tEOF {
			p.pos += 2
		} else if !p.consumeName("in") {
			return nil
		}
		if err := p.test(); err != nil {
			return err
		}
	}
}

func (p *exprParser) test() error {
	if err := p.compare(); err != nil {
		return err
	}
	if p.consumeName("is") {
		p.consumeName("not")
		return p.compare()
	}
	return nil
}

// isOpIn compares the next token's text, whatever its kind, as nunjitsu
// does for its comparison operators (so the string '==' counts as one).
func (p *exprParser) isOpIn(ops ...string) bool {
	t := p.peek()
	if t.kind == tEOF {
		return false
	}
	for _, op := range ops {
		if t.text == op {
			return true
		}
	}
	return false
}

func (p *exprParser) compare() error {
	if err := p.relational(); err != nil {
		return err
	}
	for p.isOpIn("==", "===", "!=", "!==") {
		p.pos++
		if err := p.relational(); err != nil {
			return err
		}
	}
	return nil
}

func (p *exprParser) relational() error {
	if err := p.additive(); err != nil {
		return err
	}
	for p.isOpIn("<", "<=", ">", ">=") {
		p.pos++
		if err := p.additive(); err != nil {
			return err
		}
	}
	return nil
}

func (p *exprParser) additive() error {
	if err := p.multiply(); err != nil {
		return err
	}
	for p.consume("+") || p.consume("-") || p.consume("~") {
		if err := p.multiply(); err != nil {
			return err
		}
	}
	return nil
}

// multiply covers *, /, // and % (nunjitsu's sequences only reorder the
// tree; the accepted language is power (op power)*).
func (p *exprParser) multiply() error {
	if err := p.power(); err != nil {
		return err
	}
	for p.consume("*") || p.consume("/") || p.consume("//") || p.consume("%") {
		if err := p.power(); err != nil {
			return err
		}
	}
	return nil
}

func (p *exprParser) power() error {
	if err := p.filter(); err != nil {
		return err
	}
	for p.consume("**") {
		if err := p.filter(); err != nil {
			return err
		}
	}
	return nil
}

func (p *exprParser) filter() error {
	if _, err := p.unary(); err != nil {
		return err
	}
	for p.consume("|") {
		if err := p.filterInvocation(); err != nil {
			return err
		}
	}
	return nil
}

func (p *exprParser) filterInvocation() error {
	if t := p.peek(); t.kind == tOp && t.text == "|" {
		return fmt.Errorf(`"||": the template engine has no "||", write "or"`)
	}
	if _, err := p.expectName("a filter name after '|'"); err != nil {
		return err
	}
	for p.consume(".") {
		if _, err := p.expectName("a name after '.'"); err != nil {
			return err
		}
	}
	if p.consume("(") {
		return p.nested(func() error { return p.arguments(")") })
	}
	return nil
}

// unary returns the unary operator it read ("-", "+" or "").
func (p *exprParser) unary() (string, error) {
	for _, op := range []string{"-", "+"} {
		if p.consume(op) {
			var inner string
			err := p.nested(func() error {
				var err error
				inner, err = p.unary()
				return err
			})
			if err != nil {
				return "", err
			}
			if inner == op {
				return "", fmt.Errorf("repeated unary %s needs parentheses", op)
			}
			return op, nil
		}
	}
	return "", p.postfix()
}

func (p *exprParser) postfix() error {
	if err := p.primary(); err != nil {
		return err
	}
	for {
		switch {
		case p.consume("."):
			if _, err := p.expectName("a name after '.'"); err != nil {
				return err
			}
		case p.consume("["):
			var lit token
			if err := p.nested(func() error {
				var err error
				lit, err = p.subscript()
				return err
			}); err != nil {
				return err
			}
			if err := p.expectOp("]"); err != nil {
				return err
			}
			if lit.kind == tString && reservedNames[lit.text] {
				return fmt.Errorf("the name %q is reserved", lit.text)
			}
		case p.consume("("):
			if err := p.nested(func() error { return p.arguments(")") }); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// subscript parses the inside of [ ]: an expression or a slice. It
// returns the token when the subscript is a lone literal. As in nunjitsu,
// ":" and "]" are looked for by their text, whatever the token's kind.
func (p *exprParser) subscript() (token, error) {
	var lone token
	start := false
	if t := p.peek().text; t != ":" && t != "]" {
		from := p.pos
		if err := p.inlineIf(); err != nil {
			return token{}, err
		}
		if p.pos == from+1 {
			lone = p.toks[from]
		}
		start = true
	}
	if !p.consume(":") {
		if !start {
			return token{}, fmt.Errorf("expected an index inside [ ]")
		}
		return lone, nil
	}
	if t := p.peek().text; t != ":" && t != "]" {
		if err := p.inlineIf(); err != nil {
			return token{}, err
		}
	}
	if p.consume(":") && p.peek().text != "]" {
		if err := p.inlineIf(); err != nil {
			return token{}, err
		}
	}
	return token{}, nil
}

func (p *exprParser) primary() error {
	t := p.peek()
	switch t.kind {
	case tNumber, tString, tRegex:
		p.pos++
		return nil
	case tName:
		p.pos++
		if reservedNames[t.text] {
			return fmt.Errorf("the name %q is reserved", t.text)
		}
		return nil
	case tEOF:
		return fmt.Errorf("the expression ends where a value is expected")
	}
	switch {
	case p.consume("("):
		n := 0
		if err := p.nested(func() error {
			var err error
			n, err = p.delimited(")")
			return err
		}); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("empty parentheses")
		}
		return nil
	case p.consume("["):
		return p.nested(func() error { _, err := p.delimited("]"); return err })
	case p.consume("{"):
		return p.nested(p.dictionary)
	}
	if t.text == "|" && p.peekAt(1).text == "|" {
		return fmt.Errorf(`unexpected "|": the template engine has no "||", write "or"`)
	}
	return fmt.Errorf("unexpected %s", describeTok(t))
}

func (p *exprParser) dictionary() error {
	if p.consume("}") {
		return nil
	}
	for {
		k := p.peek()
		switch {
		case k.kind == tName && k.text != "true" && k.text != "false" && k.text != "null" && k.text != "none":
			p.pos++
		case k.kind == tString:
			p.pos++
		default:
			return fmt.Errorf("a dictionary key must be a string or a name, found %s", describeTok(k))
		}
		if reservedNames[k.text] {
			return fmt.Errorf("the name %q is reserved", k.text)
		}
		if err := p.expectOp(":"); err != nil {
			return err
		}
		if err := p.inlineIf(); err != nil {
			return err
		}
		if !p.consume(",") {
			break
		}
	}
	return p.expectOp("}")
}

// delimited parses "a, b, ...end" and returns how many items it read.
func (p *exprParser) delimited(end string) (int, error) {
	if p.consume(end) {
		return 0, nil
	}
	n := 0
	for {
		if err := p.inlineIf(); err != nil {
			return 0, err
		}
		n++
		if !p.consume(",") {
			break
		}
	}
	return n, p.expectOp(end)
}

// arguments parses call or filter arguments, positional or name=value.
func (p *exprParser) arguments(end string) error {
	if p.consume(end) {
		return nil
	}
	for {
		if p.peek().kind == tName && p.peekAt(1).text == "=" {
			if _, err := p.expectName("a name"); err != nil {
				return err
			}
			p.pos++ // "="
		}
		if err := p.inlineIf(); err != nil {
			return err
		}
		if !p.consume(",") {
			break
		}
	}
	return p.expectOp(end)
}
