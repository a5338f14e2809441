package catalog

// A fast parser for the plain YAML that catalog files are made of.
//
// fastDocuments builds the same *yaml.Node trees that go.yaml.in/yaml/v3
// builds (Kind, Tag, Value, Style, Line, Column and Content structure; no
// comments, which this package never reads), several times faster and with
// far fewer allocations. It knows only this subset, and gives up on anything
// else:
//
//   - documents: an implicit first document, documents started by a "---"
//     line (with nothing but a comment after the marker), empty documents;
//   - block mappings whose keys are plain or quoted scalars on one line,
//     followed by ":" and a space or the end of the line; duplicate keys are
//     kept, as yaml.v3 keeps them;
//   - block sequences, including compact ones ("- - x", "- key: value") and
//     sequences at the indentation of their parent key;
//   - empty values ("key:" and "-" with nothing below), which are !!null;
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
// doubt it gives up: a wrong tree would be a silent bug, giving up only
// costs time.
//
// Giving up is per document: the documents before the one it cannot read
// are kept, and yaml.v3 reads the text from that document's "---" line on.
// A document that follows another one always starts at a "---" line, and
// yaml.v3 reads such a line the same way at the start of a stream as in its
// middle (the fast path accepts no directives, anchors or "..." that could
// carry state from one document to the next).

import (
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// fastYAML turns the fast parser on; tests turn it off to compare.
var fastYAML = true

// fastDocuments parses the documents at the start of data. It returns their
// DocumentNode roots and the length of the text they cover: when that is
// less than len(data), data[n:] starts at a "---" line and holds the
// documents the fast parser could not read.
func fastDocuments(data []byte) (roots []*yaml.Node, n int) {
	n, _ = fastEach(data, false, func(root *yaml.Node) bool {
		roots = append(roots, root)
		return true
	})
	return roots, n
}

// fastEach is fastDocuments handing each root to fn as soon as it is
// parsed, so only the documents fn keeps stay in memory. It stops early,
// with stopped set, when fn returns false.
//
// With reuse set, the nodes of a document are overwritten two documents
// later: the caller must be done with a root before the root after next is
// parsed (parseEach hands roots over one behind, so two memory areas
// alternate).
func fastEach(data []byte, reuse bool, fn func(root *yaml.Node) bool) (n int, stopped bool) {
	if !fastYAML {
		return 0, false
	}
	p := &fastParser{data: data, src: string(data), line: 1, limit: firstUnsupported(data), reuse: reuse}
	p.end = p.findEnd()
	for index := 0; ; index++ {
		start := p.pos
		p.newDocument()
		root, ok := p.document(index)
		if !ok {
			return start, false
		}
		if root == nil {
			return len(data), false
		}
		if !fn(root) {
			return p.pos, true
		}
	}
}

// fastParser is the state of one fastDocuments call. The parser works line
// by line: pos is the offset of the current line's first byte and line its
// 1-based number. At the end of the text pos is len(data) and line is the
// line yaml.v3 puts the end of the stream on.
type fastParser struct {
	data  []byte
	src   string // data as a string, so scalar values share its memory
	pos   int
	end   int // offset of the current line's newline (or len(data))
	line  int
	limit int // offset of the first byte the fast parser does not accept
	depth int

	// column's memo: colRunes characters lie between colLine (a line's
	// first byte) and colOff.
	colLine, colOff, colRunes int

	// To save allocations, nodes and Content slices are handed out from
	// blocks, and the children of the collections being parsed wait on a
	// stack until their collection is complete.
	nodes []yaml.Node
	ptrs  []*yaml.Node
	stack []*yaml.Node
	// Block sizes for the current document, and what the last one used.
	nodeBlock, ptrBlock int
	docNodes, docPtrs   int

	// reuse (see fastEach): the last block of nodes and of pointers each
	// document used is kept in areas[cur] and handed out again two
	// documents later, so steady state allocates no nodes at all.
	reuse bool
	cur   int
	areas [2]struct {
		nodes []yaml.Node
		ptrs  []*yaml.Node
	}
}

// maxReuseBlock bounds the blocks of nodes and pointers allocated at once
// when reusing, so a huge document grows them step by step.
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
func firstUnsupported(data []byte) int {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if (r == utf8.RuneError && size == 1) || r < 0xA0 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || r == 0xFFFE || r == 0xFFFF {
			return i
		}
		i += size
	}
	return len(data)
}

// newDocument starts the blocks of nodes and pointers afresh, sized for a
// document like the last one. Blocks are never shared by two documents: a
// block lives as long as any node in it, and shared blocks chain every
// document to the one before, so a caller that drops documents one at a
// time would still hold them all.
func (p *fastParser) newDocument() {
	if p.reuse {
		// The document two before is done with: start on its blocks.
		p.cur ^= 1
		a := &p.areas[p.cur]
		p.nodes, p.ptrs = a.nodes, a.ptrs
		p.docNodes, p.docPtrs = 0, 0
		return
	}
	p.nodeBlock = min(max(p.docNodes, 16), 256)
	p.ptrBlock = min(max(p.docPtrs, 16), 1024)
	p.nodes, p.ptrs = nil, nil
	p.docNodes, p.docPtrs = 0, 0
}

// node returns a new node from the parser's block of nodes.
func (p *fastParser) node(kind yaml.Kind, tag string, line, column int) *yaml.Node {
	p.docNodes++
	if len(p.nodes) == 0 {
		if p.reuse {
			p.nodes = make([]yaml.Node, min(max(p.docNodes, 64), maxReuseBlock))
			p.areas[p.cur].nodes = p.nodes
		} else {
			p.nodes = make([]yaml.Node, max(p.nodeBlock, 16))
		}
	}
	n := &p.nodes[0]
	p.nodes = p.nodes[1:]
	if p.reuse && n.Kind != 0 {
		// The fields the parser sets but not on every node; it never
		// sets Anchor, Alias or the comments, which stay empty. (Clearing
		// the whole node costs a write barrier for each of its pointers.)
		n.Style, n.Value, n.Content = 0, "", nil
	}
	n.Kind, n.Tag, n.Line, n.Column = kind, tag, line, column
	return n
}

// content moves the children a collection pushed on the stack from mark on
// into its Content, a slice of exactly their number.
func (p *fastParser) content(n *yaml.Node, mark int) {
	kids := p.stack[mark:]
	if len(kids) == 0 {
		return // yaml.v3 leaves the Content of an empty collection nil
	}
	p.docPtrs += len(kids)
	if len(kids) > len(p.ptrs) {
		if p.reuse {
			p.ptrs = make([]*yaml.Node, max(min(max(p.docPtrs, 64), maxReuseBlock), len(kids)))
			p.areas[p.cur].ptrs = p.ptrs
		} else {
			p.ptrs = make([]*yaml.Node, max(p.ptrBlock, 16, len(kids)))
		}
	}
	n.Content = p.ptrs[:len(kids):len(kids)]
	p.ptrs = p.ptrs[len(kids):]
	copy(n.Content, kids)
	clear(kids)
	p.stack = p.stack[:mark]
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
	end := strings.IndexByte(p.src[p.pos:], '\n')
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
	rest := p.src[p.pos:]
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
	p.colRunes += utf8.RuneCountInString(p.src[p.colOff:off])
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
func (p *fastParser) document(index int) (root *yaml.Node, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isBail := r.(bail); !isBail {
				panic(r)
			}
			root, ok = nil, false
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
	doc := p.node(yaml.DocumentNode, "", p.line, 1)
	if explicit {
		if !p.restIsComment(p.pos + 3) {
			giveUp() // content on the "---" line
		}
		p.nextLine()
		p.skipBlank()
		if p.atEnd() {
			// An empty document holds a null where the next token starts.
			p.stack = append(p.stack, p.node(yaml.ScalarNode, "!!null", p.line, 1))
			p.content(doc, 0)
			return doc, true
		}
	}
	ind := p.indent()
	content := p.blockNode(p.pos+ind, -1, false)
	if !explicit {
		doc.Line, doc.Column = content.Line, content.Column
	}
	p.stack = append(p.stack, content)
	p.content(doc, 0)
	p.skipBlank()
	if !p.atEnd() {
		giveUp() // more content after the root node
	}
	return doc, true
}

// Block nodes.

// blockNode parses the node that starts at offset off of the current line,
// inside a block collection indented parent columns (-1 at the root). When
// inline is set the node follows "key: " on the same line and may only be a
// scalar or a flow collection. It returns with the parser at the first line
// after the node.
func (p *fastParser) blockNode(off, parent int, inline bool) *yaml.Node {
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
		if key, after := p.key(off); key != nil {
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
func (p *fastParser) blockMapping(key *yaml.Node, after, col int) *yaml.Node {
	m := p.node(yaml.MappingNode, "!!map", key.Line, key.Column)
	mark := len(p.stack)
	defer p.content(m, mark)
	for {
		p.stack = append(p.stack, key)
		p.stack = append(p.stack, p.mappingValue(after, col))
		p.skipBlank()
		if p.atEnd() {
			return m
		}
		ind := p.indent()
		if ind < col {
			return m
		}
		if ind > col {
			giveUp()
		}
		key, after = p.key(p.pos + ind)
		if key == nil {
			giveUp()
		}
	}
}

// mappingValue parses the value of a mapping entry whose ":" ends just
// before offset after; col is the mapping's indentation.
func (p *fastParser) mappingValue(after, col int) *yaml.Node {
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
	return p.node(yaml.ScalarNode, "!!null", line, column)
}

// blockSequence parses a block sequence indented col columns whose first
// "-" is at off. An indentless sequence (the value of a key at the same
// indentation) ends at the first line at its indentation without "-".
func (p *fastParser) blockSequence(off, col int, indentless bool) *yaml.Node {
	s := p.node(yaml.SequenceNode, "!!seq", p.line, col+1)
	mark := len(p.stack)
	defer p.content(s, mark)
	for {
		p.stack = append(p.stack, p.sequenceItem(off, col))
		p.skipBlank()
		if p.atEnd() {
			return s
		}
		ind := p.indent()
		if ind < col {
			return s
		}
		if ind > col {
			giveUp()
		}
		off = p.pos + ind
		if !p.isEntry(off) {
			if indentless {
				return s
			}
			giveUp()
		}
	}
}

// sequenceItem parses the item of the sequence entry whose "-" is at off.
func (p *fastParser) sequenceItem(off, col int) *yaml.Node {
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
	return p.node(yaml.ScalarNode, "!!null", line, column)
}

// key reads a mapping key at off: a plain or quoted scalar on one line,
// followed by ":" and a space or the end of the line. It returns the key and
// the offset just past the ":", or nil when the line holds no such key.
func (p *fastParser) key(off int) (*yaml.Node, int) {
	end := p.lineEnd()
	var k *yaml.Node
	var colon int
	switch p.data[off] {
	case '\'', '"':
		k, colon = p.quoted(off, end)
		if colon >= end || p.data[colon] != ':' {
			return nil, 0
		}
	default:
		if !plainStart(p.data, off, end, false) {
			return nil, 0
		}
		var stop int
		k, stop = p.plain(off, end, false)
		if stop >= end || p.data[stop] != ':' {
			return nil, 0
		}
		colon = stop
	}
	if colon+1 < end && p.data[colon+1] != ' ' {
		return nil, 0
	}
	// yaml.v3 looks for the ":" of a key at most 1024 characters on.
	if colon-off > 1000 {
		giveUp()
	}
	return k, colon + 1
}

// value parses a scalar or flow collection at off, the rest of the current
// line, or a block scalar (which takes the lines below it too); parent is the
// indentation of the enclosing block collection.
func (p *fastParser) value(off, parent int) *yaml.Node {
	end := p.lineEnd()
	var n *yaml.Node
	var next int
	switch p.data[off] {
	case '\'', '"':
		n, next = p.quoted(off, end)
	case '[', '{':
		n, next = p.flow(off, end)
	case '|', '>':
		return p.blockScalar(off, end, parent)
	default:
		if !plainStart(p.data, off, end, false) {
			giveUp()
		}
		n, next = p.plain(off, end, false)
		if next < end && p.data[next] == ':' {
			giveUp() // "a: b: c"
		}
	}
	if !p.restIsComment(next) {
		giveUp()
	}
	p.nextLine()
	return n
}

// Scalars.

// indicators are the characters a plain scalar may not start with.
const indicators = "-?:,[]{}#&*!|>'\"%@`"

// plainStart reports whether a plain scalar starts at off: with a character
// other than an indicator or a space, or with "-" not followed by a space.
// Scalars starting with "?" or ":" are left to yaml.v3.
func plainStart(data []byte, off, end int, flow bool) bool {
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
// and, in flow context, before ",[]{}". It returns the scalar and the offset
// where it stopped (after any spaces).
func (p *fastParser) plain(off, end int, flow bool) (*yaml.Node, int) {
	i, last := off, off // last is the end of the scalar's text
	for i < end {
		c := p.data[i]
		switch {
		case c == ' ':
			i++
			continue
		case c == '#' && p.data[i-1] == ' ':
			return p.plainNode(off, last), i
		case c == ':' && (i+1 == end || p.data[i+1] == ' '):
			return p.plainNode(off, last), i
		case flow && strings.IndexByte(",[]{}", c) >= 0:
			return p.plainNode(off, last), i
		case flow && c == '?':
			giveUp() // yaml.v3 ends flow scalars at "?"
		case flow && c == ':' && strings.IndexByte(",[]{}", p.data[i+1]) >= 0:
			giveUp()
		}
		i++
		last = i
	}
	return p.plainNode(off, last), i
}

// plainNode makes the node of the plain scalar data[off:end].
func (p *fastParser) plainNode(off, end int) *yaml.Node {
	v := p.src[off:end]
	n := p.node(yaml.ScalarNode, plainTag(v), p.line, p.column(off))
	n.Value = v
	return n
}

// plainTag returns the tag yaml.v3 gives an untagged plain scalar: "<<" is
// a merge key, and the rest is what its resolver (resolve.go) says. The
// resolver first looks at the first character: only a sign, a digit or "."
// can start a number or timestamp, for which it is asked itself; otherwise
// the value is one of its fixed words or a string.
func plainTag(v string) string {
	switch v {
	case "<<":
		return "!!merge"
	case "", "~", "null", "Null", "NULL":
		return "!!null"
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool"
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return "!!float"
	}
	if strings.IndexByte("+-0123456789.", v[0]) < 0 {
		return "!!str"
	}
	n := yaml.Node{Kind: yaml.ScalarNode, Value: v}
	return n.ShortTag()
}

// quoted reads a single- or double-quoted scalar that closes on its line.
// It gives up on double-quoted escapes. It returns the scalar and the
// offset just past the closing quote.
func (p *fastParser) quoted(off, end int) (*yaml.Node, int) {
	q := p.data[off]
	n := p.node(yaml.ScalarNode, "!!str", p.line, p.column(off))
	if q == '"' {
		n.Style = yaml.DoubleQuotedStyle
		for i := off + 1; i < end; i++ {
			switch p.data[i] {
			case '\\':
				giveUp()
			case '"':
				n.Value = p.src[off+1 : i]
				return n, i + 1
			}
		}
		giveUp() // the scalar goes on on the next line
	}
	n.Style = yaml.SingleQuotedStyle
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
			n.Value = p.src[start:i]
		} else {
			n.Value = string(append(b, p.data[start:i]...))
		}
		return n, i + 1
	}
	giveUp()
	return nil, 0
}

// blockScalar reads a literal or folded block scalar whose indicator is at
// off, in a block collection indented parent columns, as yaml.v3's scanner
// does (yaml_parser_scan_block_scalar and _breaks, which this follows step by
// step).
func (p *fastParser) blockScalar(off, end, parent int) *yaml.Node {
	n := p.node(yaml.ScalarNode, "!!str", p.line, p.column(off))
	literal := p.data[off] == '|'
	if literal {
		n.Style = yaml.LiteralStyle
	} else {
		n.Style = yaml.FoldedStyle
	}
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
	n.Value = string(s)
	return n
}

// Flow collections.

// flow reads a flow sequence or mapping at off that closes on its line. It
// returns the collection and the offset just past its closing bracket.
func (p *fastParser) flow(off, end int) (*yaml.Node, int) {
	p.depth++
	if p.depth > maxFastDepth {
		giveUp()
	}
	defer func() { p.depth-- }()
	seq := p.data[off] == '['
	var n *yaml.Node
	closer := byte('}')
	if seq {
		n = p.node(yaml.SequenceNode, "!!seq", p.line, p.column(off))
		closer = ']'
	} else {
		n = p.node(yaml.MappingNode, "!!map", p.line, p.column(off))
	}
	n.Style = yaml.FlowStyle
	mark := len(p.stack)
	defer p.content(n, mark)
	i := skipSpaces(p.data, off+1, end)
	if i < end && p.data[i] == closer {
		return n, i + 1
	}
	for {
		var item *yaml.Node
		item, i = p.flowItem(i, end)
		if seq {
			p.stack = append(p.stack, item)
		} else {
			// item is a key: a scalar followed by ": ".
			if item.Kind != yaml.ScalarNode || i+1 >= end || p.data[i] != ':' || p.data[i+1] != ' ' {
				giveUp()
			}
			var v *yaml.Node
			v, i = p.flowItem(skipSpaces(p.data, i+1, end), end)
			p.stack = append(p.stack, item, v)
		}
		if i >= end {
			giveUp() // the collection goes on on the next line
		}
		switch p.data[i] {
		case closer:
			return n, i + 1
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

// flowItem reads a scalar or a flow collection inside a flow collection. It
// returns the node and the offset after it and the spaces that follow.
func (p *fastParser) flowItem(i, end int) (*yaml.Node, int) {
	if i >= end {
		giveUp()
	}
	var n *yaml.Node
	switch p.data[i] {
	case '[', '{':
		n, i = p.flow(i, end)
	case '\'', '"':
		n, i = p.quoted(i, end)
	default:
		if !plainStart(p.data, i, end, true) {
			giveUp()
		}
		return p.plain(i, end, true) // plain stops after its trailing spaces
	}
	return n, skipSpaces(p.data, i, end)
}

// skipSpaces returns the offset of the first non-space at or after i.
func skipSpaces(data []byte, i, end int) int {
	for i < end && data[i] == ' ' {
		i++
	}
	return i
}
