package asl

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the JSON type of a [Value].
type Kind uint8

// The JSON types.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{"null", "boolean", "number", "string", "array", "object"}

// String returns the JSON name of k ("object", "string", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one JSON value of a definition with the byte offset where it
// starts in the source, so every finding can name a line and column.
type Value struct {
	Kind    Kind
	Offset  int      // byte offset of the value's first byte in the source
	Str     string   // a String's text, or a Number's literal as written
	Bool    bool     // a Bool's value
	Items   []*Value // an Array's items
	Members []Member // an Object's members, in source order (duplicates kept)
}

// Member is one name/value pair of a JSON object.
type Member struct {
	Key       string
	KeyOffset int // byte offset of the key's opening quote
	Value     *Value
}

// Get returns the value of the last member named key of an object, or nil
// (for a missing member or a value that is not an object).
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	for i := len(v.Members) - 1; i >= 0; i-- {
		if v.Members[i].Key == key {
			return v.Members[i].Value
		}
	}
	return nil
}

// member returns the last member named key, or nil.
func (v *Value) member(key string) *Member {
	if v == nil || v.Kind != Object {
		return nil
	}
	for i := len(v.Members) - 1; i >= 0; i-- {
		if v.Members[i].Key == key {
			return &v.Members[i]
		}
	}
	return nil
}

// Int returns a Number's value as an integer, and whether it is one
// (1.0 and 1e2 count; 1.5 and values past ±2^53 do not).
func (v *Value) Int() (int64, bool) {
	if v == nil || v.Kind != Number {
		return 0, false
	}
	if n, err := strconv.ParseInt(v.Str, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(v.Str, 64)
	if err != nil || f != float64(int64(f)) || f > 1<<53 || f < -(1<<53) {
		return 0, false
	}
	return int64(f), true
}

// Float returns a Number's value.
func (v *Value) Float() (float64, bool) {
	if v == nil || v.Kind != Number {
		return 0, false
	}
	f, err := strconv.ParseFloat(v.Str, 64)
	return f, err == nil || isRangeErr(err)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// maxDepth bounds the nesting of arrays and objects, so a hostile file
// cannot exhaust the stack.
const maxDepth = 512

// SyntaxError is malformed JSON: what is wrong and where.
type SyntaxError struct {
	Msg    string
	Offset int // byte offset
	Line   int // 1-based
	Column int // 1-based, in characters
}

// Error returns "line L, column C: message".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

type parser struct {
	data  []byte
	pos   int
	depth int
	err   *SyntaxError
	slab  []Value // values are allocated in blocks
	// Scratch stacks: an object's members and an array's items are
	// gathered here and copied out once, at their exact size.
	members []Member
	items   []*Value
}

// newValue returns a zero Value from the current block.
func (p *parser) newValue(k Kind, off int) *Value {
	if len(p.slab) == 0 {
		p.slab = make([]Value, 64)
	}
	v := &p.slab[0]
	p.slab = p.slab[1:]
	v.Kind, v.Offset = k, off
	return v
}

// parseJSON decodes one JSON value filling all of data (white space
// around it allowed) and keeps every value's offset.
func parseJSON(data []byte) (*Value, error) {
	p := &parser{data: data}
	p.space()
	v := p.value()
	if p.err == nil {
		p.space()
		if p.pos < len(p.data) {
			p.fail("unexpected %s after the top-level value", p.what())
		}
	}
	if p.err != nil {
		p.err.Line, p.err.Column = newLineIndex(data).at(p.err.Offset)
		return nil, p.err
	}
	return v, nil
}

func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = &SyntaxError{Msg: fmt.Sprintf(format, args...), Offset: p.pos}
	}
}

// what describes the byte at p.pos for a message.
func (p *parser) what() string {
	if p.pos >= len(p.data) {
		return "end of input"
	}
	c := p.data[p.pos]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("character %q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() *Value {
	if p.err != nil {
		return nil
	}
	if p.pos >= len(p.data) {
		p.fail("unexpected end of input, want a value")
		return nil
	}
	start := p.pos
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, ok := p.string()
		if !ok {
			return nil
		}
		v := p.newValue(String, start)
		v.Str = s
		return v
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		v := p.literal("true", p.newValue(Bool, start))
		if v != nil {
			v.Bool = true
		}
		return v
	case c == 'f':
		return p.literal("false", p.newValue(Bool, start))
	case c == 'n':
		return p.literal("null", p.newValue(Null, start))
	default:
		p.fail("unexpected %s, want a value", p.what())
		return nil
	}
}

func (p *parser) literal(word string, v *Value) *Value {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		p.fail("invalid literal, want %s", word)
		return nil
	}
	p.pos += len(word)
	return v
}

func (p *parser) enter() bool {
	p.depth++
	if p.depth > maxDepth {
		p.fail("nested more than %d deep", maxDepth)
		return false
	}
	return true
}

func (p *parser) object() *Value {
	v := p.newValue(Object, p.pos)
	if !p.enter() {
		return nil
	}
	defer func() { p.depth-- }()
	p.pos++ // {
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return v
	}
	base := len(p.members)
	defer func() { p.members = p.members[:base] }()
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			p.fail("unexpected %s, want a member name in double quotes", p.what())
			return nil
		}
		keyAt := p.pos
		key, ok := p.string()
		if !ok {
			return nil
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			p.fail("unexpected %s after member name, want ':'", p.what())
			return nil
		}
		p.pos++
		p.space()
		val := p.value()
		if p.err != nil {
			return nil
		}
		p.members = append(p.members, Member{Key: key, KeyOffset: keyAt, Value: val})
		p.space()
		if p.pos >= len(p.data) {
			p.fail("unexpected end of input in an object, want ',' or '}'")
			return nil
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			v.Members = append([]Member(nil), p.members[base:]...)
			return v
		default:
			p.fail("unexpected %s in an object, want ',' or '}'", p.what())
			return nil
		}
	}
}

func (p *parser) array() *Value {
	v := p.newValue(Array, p.pos)
	if !p.enter() {
		return nil
	}
	defer func() { p.depth-- }()
	p.pos++ // [
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return v
	}
	base := len(p.items)
	defer func() { p.items = p.items[:base] }()
	for {
		p.space()
		item := p.value()
		if p.err != nil {
			return nil
		}
		p.items = append(p.items, item)
		p.space()
		if p.pos >= len(p.data) {
			p.fail("unexpected end of input in an array, want ',' or ']'")
			return nil
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			v.Items = append([]*Value(nil), p.items[base:]...)
			return v
		default:
			p.fail("unexpected %s in an array, want ',' or ']'", p.what())
			return nil
		}
	}
}

func (p *parser) number() *Value {
	start := p.pos
	d := p.data
	i := p.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		p.pos = i
		p.fail("invalid number: want a digit")
		return nil
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			p.pos = i
			p.fail("invalid number: want a digit after '.'")
			return nil
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			p.pos = i
			p.fail("invalid number: want a digit in the exponent")
			return nil
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	p.pos = i
	v := p.newValue(Number, start)
	v.Str = string(d[start:i])
	return v
}

// string reads a string at p.pos (an opening quote) and returns its text.
// Invalid UTF-8 and lone surrogates are errors: Step Functions takes
// definitions as UTF-8 text.
func (p *parser) string() (string, bool) {
	d := p.data
	p.pos++ // "
	start := p.pos
	// Fast path: no escapes.
	for i := start; i < len(d); i++ {
		c := d[i]
		if c == '"' {
			if !utf8.Valid(d[start:i]) {
				p.pos = start + invalidUTF8At(d[start:i])
				p.fail("invalid UTF-8 in a string")
				return "", false
			}
			p.pos = i + 1
			return string(d[start:i]), true
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	var b []byte
	i := start
	for {
		if i >= len(d) {
			p.pos = i
			p.fail("unexpected end of input in a string")
			return "", false
		}
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return string(b), true
		case c < 0x20:
			p.pos = i
			p.fail("control character 0x%02x in a string (escape it)", c)
			return "", false
		case c == '\\':
			if i+1 >= len(d) {
				p.pos = i
				p.fail("unexpected end of input in a string escape")
				return "", false
			}
			e := d[i+1]
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b = append(b, '\b')
				i += 2
			case 'f':
				b = append(b, '\f')
				i += 2
			case 'n':
				b = append(b, '\n')
				i += 2
			case 'r':
				b = append(b, '\r')
				i += 2
			case 't':
				b = append(b, '\t')
				i += 2
			case 'u':
				r, ok := hex4(d, i+2)
				if !ok {
					p.pos = i
					p.fail("invalid \\u escape")
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(0), false
					if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
						r2, ok2 = hex4(d, i+2)
					}
					dec := utf16.DecodeRune(r, r2)
					if !ok2 || dec == utf8.RuneError {
						p.pos = i - 6
						p.fail("lone UTF-16 surrogate in a \\u escape")
						return "", false
					}
					r = dec
					i += 6
				}
				b = utf8.AppendRune(b, r)
			default:
				p.pos = i
				p.fail("invalid escape '\\%c' in a string", e)
				return "", false
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				p.pos = i
				p.fail("invalid UTF-8 in a string")
				return "", false
			}
			b = append(b, d[i:i+size]...)
			i += size
		}
	}
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return 0
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}
