package catalog

// A fast parser for the plain YAML that catalog files are made of.
//
// fastEach reads documents straight into the values Decode makes of them
// (JSON-shaped, as the npm yaml package's toJSON gives them) and the
// positions of their parts, without a node tree, several times faster and
// with far fewer allocations than yaml.v3 followed by Decode's conversion.
// It must give exactly what that gives (values, positions, duplicate-key
// errors), and the tests hold it to that on every input. It knows only
// this subset, and gives up on anything else:
//
//   - documents: an implicit first document, documents started by a "---"
//     line (with nothing but a comment after the marker), empty documents;
//   - block mappings whose keys are plain or quoted scalars on one line,
//     followed by ":" and a space or the end of the line;
//   - block sequences, including compact ones ("- - x", "- key: value") and
//     sequences at the indentation of their parent key;
//   - empty values ("key:" and "-" with nothing below), which are null;
//   - one-line scalars: plain (up to " #" or ": "), single-quoted, and
//     double-quoted without backslash escapes;
//   - literal and folded block scalars ("|", ">", with "-" or "+" chomping,
//     no indentation indicator);
//   - one-line flow collections ("[a, 'b']", "{k: v, k2: [x]}") of scalars
//     and flow collections;
//   - blank lines, comment lines and comments after values.
//
// It gives up (the caller then reads the file, or the rest of it, with
// yaml.v3) on anything else: directives, "...", anchors, aliases, tags, "?"
// keys, multi-line plain or quoted scalars, multi-line flow collections,
// escapes, tabs, carriage returns, characters yaml.v3 treats as line breaks
// or refuses, and every construct that yaml.v3 reports as an error. When in
// doubt it gives up: a wrong value would be a silent bug, giving up only
// costs time.
//
// Giving up is per document: the documents before the one it cannot read
// are kept, and yaml.v3 reads the text from that document's "---" line on.
// A document that follows another one always starts at a "---" line, and
// yaml.v3 reads such a line the same way at the start of a stream as in its
// middle (the fast path accepts no directives, anchors or "..." that could
// carry state from one document to the next).

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// fastYAML turns the fast parser on; tests turn it off to compare.
var fastYAML = true

// fastDoc is what the fast parser made of one document.
type fastDoc struct {
	// line is where the document starts: its "---" line, or the first
	// line of its content (yaml.v3's DocumentNode line).
	line  int
	value any
	// pos holds where the parts stand; pos.root is the content, which
	// an empty document's null has too.
	pos *positions
	// err is the first repeated key of the document, as Decode reports
	// it; value is then incomplete.
	err *DecodeError
}

// result returns the document's value, or its error.
func (d *fastDoc) result() (any, error) {
	if d.err != nil {
		return nil, d.err
	}
	return d.value, nil
}

// contentAt returns where the document's content starts.
func (d *fastDoc) contentAt() (line, column int) {
	r := &d.pos.list[d.pos.root]
	return int(r.line), int(r.column)
}

// fastOptions are what fastEach needs besides the text.
type fastOptions struct {
	file string // for the errors of repeated keys
	// swapped: hideLegacyBreaks replaced characters in the text, which
	// strings get back.
	swapped bool
	// reuse: the positions of a document are overwritten two documents
	// later, so the caller must be done with a document before the one
	// after next is parsed (parseEach hands documents over one behind, so
	// two memory areas alternate).
	reuse bool
}

// fastEach parses the documents at the start of data, handing each to fn
// as soon as it is parsed, so only the documents fn keeps stay in memory.
// It returns the length of the text they cover: when that is less than
// len(data), data[n:] starts at a "---" line and holds the documents the
// fast parser could not read. It stops early, with stopped set, when fn
// returns false.
func fastEach(data string, opts fastOptions, fn func(*fastDoc) bool) (n int, stopped bool) {
	if !fastYAML {
		return 0, false
	}
	p := &fastParser{data: data, line: 1, limit: firstUnsupported(data), opts: opts}
	p.end = p.findEnd()
	for index := 0; ; index++ {
		start := p.pos
		p.newDocument()
		doc, ok := p.document(index)
		if !ok {
			return start, false
		}
		if doc == nil {
			return len(data), false
		}
		if !fn(doc) {
			return p.pos, true
		}
	}
}

// fastParser is the state of one fastEach call. The parser works line by
// line: pos is the offset of the current line's first byte and line its
// 1-based number. At the end of the text pos is len(data) and line is the
// line yaml.v3 puts the end of the stream on.
type fastParser struct {
	data  string // values are substrings of it, sharing its memory
	pos   int
	end   int // offset of the current line's newline (or len(data))
	line  int
	limit int // offset of the first byte the fast parser does not accept
	depth int
	opts  fastOptions

	// column's memo: colRunes characters lie between colLine (a line's
	// first byte) and colOff.
	colLine, colOff, colRunes int

	// The entries of the collections being parsed wait on the stack until
	// their collection is complete.
	stack []pending
	doc   *fastDoc
	// With opts.reuse, two documents and their positions alternate.
	cur   int
	areas [2]fastDoc
	// sizeHint is how many places the last document had.
	sizeHint int
}

// pending is an entry of a collection being parsed: a sequence item, or a
// mapping key and its value.
type pending struct {
	key   fastKey // mapping entries only
	value any
	place int32
}

// fastKey is a mapping key as read: its text, whether it was quoted, and
// where it stands.
type fastKey struct {
	text         string
	quoted       bool
	line, column int32
}

// maxReuseBlock bounds the places kept for reuse, so one huge document does
// not keep its memory for the rest of the file.
const maxReuseBlock = 1 << 14

// bail is the panic value that stops the fast parser; document recovers it.
type bail struct{}

// giveUp stops the fast parser: the input is outside its subset.
func giveUp() { panic(bail{}) }

// maxFastDepth bounds the nesting the fast parser follows; deeper input is
// left to yaml.v3 (and the decoder's own limit).
const maxFastDepth = 100

// firstUnsupported returns the offset of the first byte the fast parser
// refuses to read: control characters (tab and carriage return included),
// DEL, and characters yaml.v3 reads as line breaks or refuses (NEL, LS, PS,
// C1 controls, BOM, U+FFFE, U+FFFF) or invalid UTF-8.
func firstUnsupported(data string) int {
	for i := 0; i < len(data); {
		// Eight bytes at a time while none matters: every byte below
		// 0x80, at or above 0x20 or a newline, and not DEL. Each test is
		// exact byte by byte (no carry or borrow crosses a byte).
		for ; i+8 <= len(data); i += 8 {
			w := data[i : i+8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			if x&hiBits != 0 {
				break // not ASCII
			}
			control := ^((x | hiBits) - 0x2020202020202020) & hiBits // bytes below 0x20
			if control&^zeroBytes(x^0x0a0a0a0a0a0a0a0a)|zeroBytes(x^0x7f7f7f7f7f7f7f7f) != 0 {
				break
			}
		}
		if i >= len(data) {
			break
		}
		c := data[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(data[i:])
		if (r == utf8.RuneError && size == 1) || r < 0xA0 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || r == 0xFFFE || r == 0xFFFF {
			return i
		}
		i += size
	}
	return len(data)
}

// hiBits is the high bit of each byte of a word.
const hiBits = 0x8080808080808080

// zeroBytes has the high bit set in each byte of x (ASCII bytes only) that
// is zero.
func zeroBytes(x uint64) uint64 {
	return ^((x & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f | x) & hiBits
}

// newDocument starts the next document: with reuse, on the memory of the
// document before the last one, which the caller is done with.
func (p *fastParser) newDocument() {
	clear(p.stack) // a document given up on leaves its entries behind
	p.stack = p.stack[:0]
	if !p.opts.reuse {
		p.doc = &fastDoc{pos: &positions{list: make([]place, 0, max(p.sizeHint, 16))}}
		p.doc.pos.root = -1
		return
	}
	p.cur ^= 1
	d := &p.areas[p.cur]
	pos := d.pos
	if pos == nil || cap(pos.list) > maxReuseBlock {
		pos = &positions{}
	}
	pos.reset()
	*d = fastDoc{pos: pos}
	p.doc = d
}

// place adds a place to the current document.
func (p *fastParser) place(kind placeKind, line, column int) int32 {
	return p.doc.pos.add(kind, line, column)
}

// Lines.

// eof reports whether the parser is past the last line.
func (p *fastParser) eof() bool { return p.pos >= len(p.data) }

// lineEnd returns the offset of the current line's newline (or the end of
// the text). It gives up on a line holding a character it refuses.
func (p *fastParser) lineEnd() int {
	if p.end > p.limit {
		giveUp()
	}
	return p.end
}

// findEnd finds the offset of the current line's newline (or the end of
// the text), which lineEnd returns from then on.
func (p *fastParser) findEnd() int {
	end := strings.IndexByte(p.data[p.pos:], '\n')
	if end < 0 {
		return len(p.data)
	}
	return end + p.pos
}

// nextLine moves to the start of the next line.
func (p *fastParser) nextLine() {
	p.pos = p.lineEnd() + 1
	if p.pos > len(p.data) {
		p.pos = len(p.data)
	}
	p.line++
	p.end = p.findEnd()
}

// indent returns the number of spaces that start the current line.
func (p *fastParser) indent() int {
	i := p.pos
	for i < len(p.data) && p.data[i] == ' ' {
		i++
	}
	return i - p.pos
}

// skipBlank moves past blank lines and comment lines. It gives up on
// directives and document end markers, which the fast parser does not read.
func (p *fastParser) skipBlank() {
	for !p.eof() {
		end := p.lineEnd()
		i := p.pos + p.indent()
		if i < end && p.data[i] != '#' {
			if p.data[p.pos] == '%' || p.marker("...") {
				giveUp()
			}
			return
		}
		p.nextLine()
	}
}

// marker reports whether the current line starts with the document marker
// m ("---" or "...") followed by a space or the end of the line.
func (p *fastParser) marker(m string) bool {
	rest := p.data[p.pos:]
	return strings.HasPrefix(rest, m) && (len(rest) == 3 || rest[3] == ' ' || rest[3] == '\n')
}

// atEnd reports whether the current document ends here: at the end of the
// text or at the next "---" line. Call it after skipBlank.
func (p *fastParser) atEnd() bool { return p.eof() || p.marker("---") }

// column returns the 1-based column, in characters, of offset off on the
// current line.
// Offsets on a line are asked for in increasing order, so the count goes
// on from the last answer: a long line of flow items costs linear time,
// not quadratic.
func (p *fastParser) column(off int) int {
	if p.colLine != p.pos || off < p.colOff {
		p.colLine, p.colOff, p.colRunes = p.pos, p.pos, 0
	}
	p.colRunes += utf8.RuneCountInString(p.data[p.colOff:off])
	p.colOff = off
	return p.colRunes + 1
}

// restIsComment reports whether the current line holds only spaces and
// perhaps a comment from offset off on. A comment must follow a space (or
// start the line), so that "x#y" is never taken for one.
func (p *fastParser) restIsComment(off int) bool {
	end := p.lineEnd()
	for i := off; i < end; i++ {
		switch p.data[i] {
		case ' ':
		case '#':
			return i > p.pos && p.data[i-1] == ' '
		default:
			return false
		}
	}
	return true
}

// Documents.

// document parses one document from the current line. It returns nil, true
// at the end of the text, and ok=false when the document is outside the
// subset.
func (p *fastParser) document(index int) (doc *fastDoc, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isBail := r.(bail); !isBail {
				panic(r)
			}
			doc, ok = nil, false
		}
	}()
	p.skipBlank()
	if p.eof() {
		return nil, true
	}
	explicit := p.marker("---")
	if !explicit && index > 0 {
		giveUp() // only the first document may start without "---"
	}
	doc = p.doc
	doc.line = p.line
	if explicit {
		if !p.restIsComment(p.pos + 3) {
			giveUp() // content on the "---" line
		}
		p.nextLine()
		p.skipBlank()
		if p.atEnd() {
			// An empty document holds a null where the next token starts.
			doc.pos.root = p.place(placeScalar, p.line, 1)
			return doc, true
		}
	}
	ind := p.indent()
	doc.value, doc.pos.root = p.blockNode(p.pos+ind, -1, false)
	if !explicit {
		doc.line, _ = doc.contentAt()
	}
	p.skipBlank()
	if !p.atEnd() {
		giveUp() // more content after the root node
	}
	p.sizeHint = len(doc.pos.list)
	return doc, true
}

// Block nodes.

// blockNode parses the node that starts at offset off of the current line,
// inside a block collection indented parent columns (-1 at the root). When
// inline is set the node follows "key: " on the same line and may only be a
// scalar or a flow collection. It returns with the parser at the first line
// after the node.
func (p *fastParser) blockNode(off, parent int, inline bool) (any, int32) {
	p.depth++
	if p.depth > maxFastDepth {
		giveUp()
	}
	defer func() { p.depth-- }()
	if !inline {
		col := off - p.pos // only spaces and "- " come before: bytes are columns
		if p.isEntry(off) {
			return p.blockSequence(off, col, false)
		}
		if key, after, ok := p.key(off); ok {
			return p.blockMapping(key, after, col)
		}
	}
	return p.value(off, parent)
}

// isEntry reports whether a block sequence entry ("-" then a space or the
// end of the line) starts at off.
func (p *fastParser) isEntry(off int) bool {
	return p.data[off] == '-' && (off+1 == len(p.data) || p.data[off+1] == ' ' || p.data[off+1] == '\n')
}

// blockMapping parses a block mapping indented col columns whose first key
// has been read; after is the offset just past that key's ":".
func (p *fastParser) blockMapping(key fastKey, after, col int) (any, int32) {
	m := p.place(placeMapping, int(key.line), int(key.column))
	mark := len(p.stack)
	for {
		v, vp := p.mappingValue(after, col)
		p.stack = append(p.stack, pending{key: key, value: v, place: vp})
		p.skipBlank()
		if p.atEnd() {
			break
		}
		ind := p.indent()
		if ind < col {
			break
		}
		if ind > col {
			giveUp()
		}
		var ok bool
		if key, after, ok = p.key(p.pos + ind); !ok {
			giveUp()
		}
	}
	return p.mapping(m, mark), m
}

// mappingValue parses the value of a mapping entry whose ":" ends just
// before offset after; col is the mapping's indentation.
func (p *fastParser) mappingValue(after, col int) (any, int32) {
	if !p.restIsComment(after) {
		i := after
		for p.data[i] == ' ' {
			i++
		}
		return p.blockNode(i, col, true)
	}
	// Nothing on the key's line: the value is below, or null.
	line, column := p.line, p.column(after) // just past the ":"
	p.nextLine()
	p.skipBlank()
	if !p.atEnd() {
		ind := p.indent()
		if ind > col {
			return p.blockNode(p.pos+ind, col, false)
		}
		if ind == col && p.isEntry(p.pos+ind) {
			// A sequence at the key's own indentation.
			return p.blockSequence(p.pos+ind, col, true)
		}
	}
	return nil, p.place(placeScalar, line, column)
}

// blockSequence parses a block sequence indented col columns whose first
// "-" is at off. An indentless sequence (the value of a key at the same
// indentation) ends at the first line at its indentation without "-".
func (p *fastParser) blockSequence(off, col int, indentless bool) (any, int32) {
	s := p.place(placeSequence, p.line, col+1)
	mark := len(p.stack)
	for {
		v, vp := p.sequenceItem(off, col)
		p.stack = append(p.stack, pending{value: v, place: vp})
		p.skipBlank()
		if p.atEnd() {
			break
		}
		ind := p.indent()
		if ind < col {
			break
		}
		if ind > col {
			giveUp()
		}
		off = p.pos + ind
		if !p.isEntry(off) {
			if indentless {
				break
			}
			giveUp()
		}
	}
	return p.sequence(s, mark), s
}

// sequenceItem parses the item of the sequence entry whose "-" is at off.
func (p *fastParser) sequenceItem(off, col int) (any, int32) {
	if !p.restIsComment(off + 1) {
		i := off + 1
		for p.data[i] == ' ' {
			i++
		}
		return p.blockNode(i, col, false)
	}
	line, column := p.line, col+2
	p.nextLine()
	p.skipBlank()
	if !p.atEnd() {
		if ind := p.indent(); ind > col {
			return p.blockNode(p.pos+ind, col, false)
		}
	}
	return nil, p.place(placeScalar, line, column)
}

// Collections.

// sequence makes the value of the sequence at place s from the items on
// the stack from mark on, and links their places to it.
func (p *fastParser) sequence(s int32, mark int) []any {
	items := p.stack[mark:]
	out := make([]any, len(items))
	pos := p.doc.pos
	pos.startItems(s, len(items))
	for i := range items {
		out[i] = items[i].value
		pos.items = append(pos.items, items[i].place)
	}
	clear(items)
	p.stack = p.stack[:mark]
	return out
}

// mapping makes the value of the mapping at place m from the entries on
// the stack from mark on, as Decode does: keys as JavaScript strings, the
// last of keys of different types with the same string form winning, and
// equal keys an error (kept in the document when it comes first in the
// text).
func (p *fastParser) mapping(m int32, mark int) map[string]any {
	entries := p.stack[mark:]
	out := make(map[string]any, len(entries))
	pos := p.doc.pos
	prev := int32(-1)
	// index is made when a key's string form is taken: a repeat, unless
	// the keys differ in type (npm yaml keeps 1 and "1" apart). Only the
	// first repeat of a mapping matters: the later ones come later in the
	// text.
	var index keyIndex
	repeated := false
	for i := range entries {
		e := &entries[i]
		ks, kv, str := p.keyValue(e.key)
		size := len(out)
		out[ks] = e.value
		if index == nil && len(out) == size {
			index = make(keyIndex, i+1)
			for j := range entries[:i] {
				form, v, isString := p.keyValue(entries[j].key)
				if isString {
					v = form
				}
				index.add(form, v, int(entries[j].key.line))
			}
		}
		if index != nil && !repeated {
			if str {
				kv = ks
			}
			if first, ok := index.add(ks, kv, int(e.key.line)); ok {
				p.repeated(e.key, ks, first)
				repeated = true
			}
		}
		c := &pos.list[e.place]
		c.key = p.unswap(e.key.text)
		c.keyLine, c.keyColumn = e.key.line, e.key.column
		pos.link(m, prev, e.place)
		prev = e.place
	}
	clear(entries)
	p.stack = p.stack[:mark]
	return out
}

// keyValue returns a key's string form and whether the key is a string;
// for a plain key that reads as another type (1, true, null) it returns
// that value too.
func (p *fastParser) keyValue(k fastKey) (form string, v any, isString bool) {
	s := p.unswap(k.text)
	if k.quoted || plainIsString(k.text) {
		return s, nil, true
	}
	v = corePlain(s)
	if vs, ok := v.(string); ok {
		return vs, nil, true
	}
	return jsString(v), v, false
}

// repeated records a repeated key, keeping the one that comes first in
// the text: the one Decode, which reads the document from the top,
// meets first.
func (p *fastParser) repeated(k fastKey, ks string, first int) {
	if e := p.doc.err; e != nil && (e.Line < int(k.line) || e.Line == int(k.line) && e.Column < int(k.column)) {
		return
	}
	p.doc.err = &DecodeError{Position: Position{File: p.opts.file, Line: int(k.line), Column: int(k.column)}, Err: ErrDuplicate,
		Msg: fmt.Sprintf("duplicate key %q (first at line %d); Backstage refuses maps with repeated keys", ks, first)}
}

// unswap gives a string back the characters hideLegacyBreaks replaced.
func (p *fastParser) unswap(s string) string { return restoreBreaks(p.opts.swapped, s) }

// key reads a mapping key at off: a plain or quoted scalar on one line,
// followed by ":" and a space or the end of the line. It returns the key
// and the offset just past the ":", or ok=false when the line holds no
// such key.
func (p *fastParser) key(off int) (k fastKey, after int, ok bool) {
	end := p.lineEnd()
	var colon int
	switch p.data[off] {
	case '\'', '"':
		k.text, colon = p.quoted(off, end)
		k.quoted = true
		if colon >= end || p.data[colon] != ':' {
			return k, 0, false
		}
	default:
		if !plainStart(p.data, off, end, false) {
			return k, 0, false
		}
		var stop int
		k.text, stop = p.plain(off, end, false)
		if stop >= end || p.data[stop] != ':' {
			return k, 0, false
		}
		colon = stop
	}
	if colon+1 < end && p.data[colon+1] != ' ' {
		return k, 0, false
	}
	// yaml.v3 looks for the ":" of a key at most 1024 characters on.
	if colon-off > 1000 {
		giveUp()
	}
	k.line, k.column = int32(p.line), int32(p.column(off))
	return k, colon + 1, true
}

// value parses a scalar or flow collection at off, the rest of the current
// line, or a block scalar (which takes the lines below it too); parent is the
// indentation of the enclosing block collection.
func (p *fastParser) value(off, parent int) (any, int32) {
	end := p.lineEnd()
	var v any
	var at int32
	var next int
	switch p.data[off] {
	case '\'', '"':
		v, at, next = p.quotedValue(off, end)
	case '[', '{':
		v, at, next = p.flow(off, end)
	case '|', '>':
		return p.blockScalar(off, end, parent)
	default:
		if !plainStart(p.data, off, end, false) {
			giveUp()
		}
		v, at, next = p.plainValue(off, end, false)
		if next < end && p.data[next] == ':' {
			giveUp() // "a: b: c"
		}
	}
	if !p.restIsComment(next) {
		giveUp()
	}
	p.nextLine()
	return v, at
}

// Scalars.

// indicators are the characters a plain scalar may not start with.
const indicators = "-?:,[]{}#&*!|>'\"%@`"

// plainStart reports whether a plain scalar starts at off: with a character
// other than an indicator or a space, or with "-" not followed by a space.
// Scalars starting with "?" or ":" are left to yaml.v3.
func plainStart(data string, off, end int, flow bool) bool {
	c := data[off]
	if c == ' ' {
		return false
	}
	if c == '-' {
		if off+1 >= end {
			return false
		}
		next := data[off+1]
		return next != ' ' && !(flow && strings.IndexByte(",[]{}:#?", next) >= 0)
	}
	return strings.IndexByte(indicators, c) < 0
}

// plain reads a one-line plain scalar starting at off. It stops before
// ": " (or ":" at the end of the line), before " #", at the end of the line
// and, in flow context, before ",[]{}". It returns the scalar's text and the
// offset where it stopped (after any spaces).
func (p *fastParser) plain(off, end int, flow bool) (string, int) {
	i, last := off, off // last is the end of the scalar's text
	for i < end {
		c := p.data[i]
		switch {
		case c == ' ':
			i++
			continue
		case c == '#' && p.data[i-1] == ' ':
			return p.data[off:last], i
		case c == ':' && (i+1 == end || p.data[i+1] == ' '):
			return p.data[off:last], i
		case flow && strings.IndexByte(",[]{}", c) >= 0:
			return p.data[off:last], i
		case flow && c == '?':
			giveUp() // yaml.v3 ends flow scalars at "?"
		case flow && c == ':' && strings.IndexByte(",[]{}", p.data[i+1]) >= 0:
			giveUp()
		}
		i++
		last = i
	}
	return p.data[off:last], i
}

// plainValue reads a plain scalar (see plain) as a value: what the YAML
// 1.2 core schema makes of it, as the npm yaml package reads it.
func (p *fastParser) plainValue(off, end int, flow bool) (any, int32, int) {
	at := p.place(placeScalar, p.line, p.column(off))
	text, next := p.plain(off, end, flow)
	if plainIsString(text) {
		return p.unswap(text), at, next
	}
	return corePlain(p.unswap(text)), at, next
}

// quoted reads a single- or double-quoted scalar that closes on its line.
// It gives up on double-quoted escapes. It returns the scalar's value and
// the offset just past the closing quote.
func (p *fastParser) quoted(off, end int) (string, int) {
	if p.data[off] == '"' {
		for i := off + 1; i < end; i++ {
			switch p.data[i] {
			case '\\':
				giveUp()
			case '"':
				return p.data[off+1 : i], i + 1
			}
		}
		giveUp() // the scalar goes on on the next line
	}
	var b []byte // the value, once it holds an escaped quote
	start := off + 1
	for i := start; i < end; i++ {
		if p.data[i] != '\'' {
			continue
		}
		if i+1 < end && p.data[i+1] == '\'' {
			b = append(b, p.data[start:i+1]...)
			i++
			start = i + 1
			continue
		}
		if b == nil {
			return p.data[start:i], i + 1
		}
		return string(append(b, p.data[start:i]...)), i + 1
	}
	giveUp()
	return "", 0
}

// quotedValue reads a quoted scalar (see quoted) as a value.
func (p *fastParser) quotedValue(off, end int) (any, int32, int) {
	at := p.place(placeScalar, p.line, p.column(off))
	s, next := p.quoted(off, end)
	return p.unswap(s), at, next
}

// blockScalar reads a literal or folded block scalar whose indicator is at
// off, in a block collection indented parent columns, as yaml.v3's scanner
// does (yaml_parser_scan_block_scalar and _breaks, which this follows step by
// step).
func (p *fastParser) blockScalar(off, end, parent int) (any, int32) {
	literal := p.data[off] == '|'
	kind := placeFolded
	if literal {
		kind = placeLiteral
	}
	at := p.place(kind, p.line, p.column(off))
	i := off + 1
	chomp := 0 // -1 strip, 0 clip, +1 keep
	if i < end && (p.data[i] == '+' || p.data[i] == '-') {
		chomp = 1
		if p.data[i] == '-' {
			chomp = -1
		}
		i++
	}
	if i < end && p.data[i] != ' ' {
		giveUp() // an indentation indicator, or junk
	}
	if !p.restIsComment(i) {
		giveUp()
	}
	p.nextLine()

	// col is how many spaces of the current line the scanner has eaten; at
	// the end of the text it stops on the last line, after its spaces.
	indent, col := 0, 0
	trailing := 0 // line breaks after the last content line
	// breaks eats empty lines and the indentation of the next content line.
	// With indent unknown it eats all spaces and sets indent from the
	// deepest line.
	breaks := func() {
		maxIndent := 0
		for {
			if p.eof() {
				col = 0
				break
			}
			end := p.lineEnd()
			col = p.indent()
			if indent > 0 && col > indent {
				col = indent
			}
			maxIndent = max(maxIndent, col)
			if p.pos+col < end || end == len(p.data) {
				break // a content line, or spaces at the very end
			}
			trailing++
			p.nextLine()
		}
		if indent == 0 {
			indent = max(maxIndent, parent+1, 1)
		}
	}
	var s []byte
	leadingBreak, leadingBlank := false, false
	breaks()
	for col == indent && !p.eof() && p.pos+col < len(p.data) {
		end := p.lineEnd()
		start := p.pos + col
		trailingBlank := p.data[start] == ' '
		if !literal && !leadingBlank && !trailingBlank && leadingBreak {
			if trailing == 0 {
				s = append(s, ' ')
			}
		} else if leadingBreak {
			s = append(s, '\n')
		}
		leadingBreak = false
		for ; trailing > 0; trailing-- {
			s = append(s, '\n')
		}
		leadingBlank = trailingBlank
		s = append(s, p.data[start:end]...)
		leadingBreak = end < len(p.data)
		p.nextLine()
		breaks()
	}
	if chomp != -1 && leadingBreak {
		s = append(s, '\n')
	}
	if chomp == 1 {
		for ; trailing > 0; trailing-- {
			s = append(s, '\n')
		}
	}
	v := p.unswap(string(s))
	p.doc.pos.list[at].value = v
	return v, at
}

// Flow collections.

// flow reads a flow sequence or mapping at off that closes on its line. It
// returns the collection, its place and the offset just past its closing
// bracket.
func (p *fastParser) flow(off, end int) (any, int32, int) {
	p.depth++
	if p.depth > maxFastDepth {
		giveUp()
	}
	defer func() { p.depth-- }()
	seq := p.data[off] == '['
	kind, closer := placeMapping, byte('}')
	if seq {
		kind, closer = placeSequence, ']'
	}
	at := p.place(kind, p.line, p.column(off))
	mark := len(p.stack)
	done := func(next int) (any, int32, int) {
		if seq {
			return p.sequence(at, mark), at, next
		}
		return p.mapping(at, mark), at, next
	}
	i := skipSpaces(p.data, off+1, end)
	if i < end && p.data[i] == closer {
		return done(i + 1)
	}
	for {
		if seq {
			var v any
			var vp int32
			v, vp, i = p.flowItem(i, end)
			p.stack = append(p.stack, pending{value: v, place: vp})
		} else {
			// A key: a scalar followed by ": ".
			k, ki := p.flowKey(i, end)
			if ki+1 >= end || p.data[ki] != ':' || p.data[ki+1] != ' ' {
				giveUp()
			}
			var v any
			var vp int32
			v, vp, i = p.flowItem(skipSpaces(p.data, ki+1, end), end)
			p.stack = append(p.stack, pending{key: k, value: v, place: vp})
		}
		if i >= end {
			giveUp() // the collection goes on on the next line
		}
		switch p.data[i] {
		case closer:
			return done(i + 1)
		case ',':
			i = skipSpaces(p.data, i+1, end)
			if i >= end || p.data[i] == closer {
				giveUp() // a trailing comma, or the next line
			}
		default:
			giveUp()
		}
	}
}

// flowKey reads the key of a flow mapping entry at i: a plain or quoted
// scalar. It returns the key and the offset after it and the spaces that
// follow.
func (p *fastParser) flowKey(i, end int) (fastKey, int) {
	if i >= end {
		giveUp()
	}
	k := fastKey{line: int32(p.line), column: int32(p.column(i))}
	switch p.data[i] {
	case '[', '{':
		giveUp() // a collection as a key
	case '\'', '"':
		k.text, i = p.quoted(i, end)
		k.quoted = true
		return k, skipSpaces(p.data, i, end)
	}
	if !plainStart(p.data, i, end, true) {
		giveUp()
	}
	k.text, i = p.plain(i, end, true) // plain stops after its trailing spaces
	return k, i
}

// flowItem reads a scalar or a flow collection inside a flow collection. It
// returns the value, its place and the offset after it and the spaces that
// follow.
func (p *fastParser) flowItem(i, end int) (any, int32, int) {
	if i >= end {
		giveUp()
	}
	var v any
	var at int32
	switch p.data[i] {
	case '[', '{':
		v, at, i = p.flow(i, end)
	case '\'', '"':
		v, at, i = p.quotedValue(i, end)
	default:
		if !plainStart(p.data, i, end, true) {
			giveUp()
		}
		return p.plainValue(i, end, true) // plain stops after its trailing spaces
	}
	return v, at, skipSpaces(p.data, i, end)
}

// skipSpaces returns the offset of the first non-space at or after i.
func skipSpaces(data string, i, end int) int {
	for i < end && data[i] == ' ' {
		i++
	}
	return i
}
