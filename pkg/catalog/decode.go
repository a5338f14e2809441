package catalog

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Limits that protect the decoder from hostile input.
const (
	// DefaultMaxFileSize is the largest file Decode reads (Backstage's own
	// readers stop far below this for a single catalog file).
	DefaultMaxFileSize = 8 << 20
	// DefaultMaxAliasNodes caps how many nodes alias expansion may produce in
	// one document, so an alias bomb fails fast instead of eating memory.
	DefaultMaxAliasNodes = 10_000
	// DefaultMaxDocuments caps the YAML documents of one file, empty ones
	// included. A file of 8 MiB of "---" lines holds two million; a catalog
	// file of generated users or groups holds a few thousand.
	DefaultMaxDocuments = 20_000
	// DefaultMaxItems caps the lines and flow-collection items ("," "["
	// "{") of one document, a bound on its nodes: a document's tree takes
	// a few hundred bytes a node, and one document of 8 MiB of "a," would
	// hold four million.
	DefaultMaxItems = 100_000
)

// Sentinel errors matched with errors.Is on a *DecodeError.
var (
	ErrTooLarge    = errors.New("file too large")
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	ErrSyntax      = errors.New("YAML syntax error")
	ErrDuplicate   = errors.New("duplicate key")
	ErrAliasBomb   = errors.New("alias expansion limit exceeded")
	ErrNotMapping  = errors.New("document is not a mapping")
	// ErrTooManyDocuments: the file holds more than MaxDocuments documents.
	ErrTooManyDocuments = errors.New("too many documents")
	// ErrDocumentTooLarge: a document holds more than MaxItems lines and
	// flow items.
	ErrDocumentTooLarge = errors.New("document too large")
)

// DecodeError is a problem reading a catalog file, with the place it happened.
type DecodeError struct {
	Position
	Err error  // one of the sentinel errors above
	Msg string // what is wrong, for people
}

// Error formats the problem as file:line:column: message.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: %s", e.Position, e.Msg)
}

// Unwrap returns the sentinel error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Document is one YAML document of a catalog file: an entity, or the error
// that kept it from being one.
type Document struct {
	Source Source
	Entity *Entity // nil when Err is set
	Err    error   // a *DecodeError
}

// DecodeOptions bounds what Decode accepts. The zero value uses the defaults.
type DecodeOptions struct {
	MaxFileSize   int64 // bytes; DefaultMaxFileSize when zero
	MaxAliasNodes int   // DefaultMaxAliasNodes when zero
	// MaxDocuments caps the YAML documents of one file, empty ones
	// included; DefaultMaxDocuments when zero.
	MaxDocuments int
	// MaxItems caps the lines and flow-collection items of one document;
	// DefaultMaxItems when zero.
	MaxItems int
	// Transient is DecodeEach's caller promising that its fn keeps no
	// Document after returning, so the memory of the parsed YAML is
	// reused for the documents after it. An Entity kept anyway keeps its
	// values, but Position then finds only the start of its document.
	Transient bool
}

// Decode reads every entity of a multi-document YAML file. A problem with one
// document is reported in that Document and the others are still returned;
// a problem with the file as a whole (too large, not UTF-8, a syntax error
// that stops the YAML stream, too many documents) is returned as a
// *DecodeError after the documents read before it. Empty (null) documents
// are skipped, as Backstage skips them.
func Decode(file string, data []byte, opts DecodeOptions) ([]Document, error) {
	var docs []Document
	err := DecodeEach(file, data, opts, func(d Document) bool {
		docs = append(docs, d)
		return true
	})
	return docs, err
}

// DecodeEach is Decode handing each document to fn as soon as it is read,
// so that a caller that checks and drops documents holds one at a time:
// memory then follows the largest document, not the file. It stops early
// when fn returns false, returning nil.
func DecodeEach(file string, data []byte, opts DecodeOptions, fn func(Document) bool) error {
	return DecodeEachString(file, string(data), opts, fn)
}

// DecodeEachString is DecodeEach reading text, whose memory the entities'
// strings then share: a caller that has its file as a string saves the
// copy DecodeEach makes.
func DecodeEachString(file string, data string, opts DecodeOptions, fn func(Document) bool) error {
	maxSize := opts.MaxFileSize
	if maxSize <= 0 {
		maxSize = DefaultMaxFileSize
	}
	if int64(len(data)) > maxSize {
		return &DecodeError{Position: Position{File: file}, Err: ErrTooLarge,
			Msg: fmt.Sprintf("file is %d bytes, more than the limit of %d", len(data), maxSize)}
	}
	if !utf8.ValidString(data) {
		line, col := invalidUTF8At(data)
		return &DecodeError{Position: Position{File: file, Line: line, Column: col}, Err: ErrInvalidUTF8,
			Msg: "file is not valid UTF-8"}
	}
	data = strings.TrimPrefix(data, "\xef\xbb\xbf")
	data, versions := rewriteVersionDirectives(data)
	data, swapped := hideLegacyBreaks(data)

	d := &decoder{file: file, data: data, maxAlias: opts.MaxAliasNodes, swapped: swapped, indent: -1}
	fast := fastOptions{file: file, swapped: swapped, reuse: opts.Transient}
	if d.maxAlias <= 0 {
		d.maxAlias = DefaultMaxAliasNodes
	}
	maxDocs := opts.MaxDocuments
	if maxDocs <= 0 {
		maxDocs = DefaultMaxDocuments
	}
	maxItems := opts.MaxItems
	if maxItems <= 0 {
		maxItems = DefaultMaxItems
	}
	// A document too large is cut off before parsing: the documents before
	// it are read, then its error is returned.
	var tooLarge *DecodeError
	if cut, line, ok := oversizedDocument(data, maxItems); ok {
		data = data[:cut]
		tooLarge = &DecodeError{Position: Position{File: file, Line: line}, Err: ErrDocumentTooLarge,
			Msg: fmt.Sprintf("the document starting here holds more than %d lines and list items; stopped reading the file here", maxItems)}
	}
	index := 0
	var tooMany *DecodeError
	err := parseEach(data, fast, func(pd parsedDoc) bool {
		if index >= maxDocs {
			tooMany = &DecodeError{Position: Position{File: file, Line: pd.line()}, Err: ErrTooManyDocuments,
				Msg: fmt.Sprintf("file holds more than %d YAML documents; stopped reading it here", maxDocs)}
			return false
		}
		doc := d.document(pd, index, versions)
		index++
		if doc == nil {
			return true
		}
		more := fn(*doc)
		if opts.Transient && doc.Entity != nil {
			doc.Entity.pos = nil // its positions are about to be reused
		}
		return more
	})
	switch {
	case tooMany != nil:
		return tooMany
	case err != nil:
		return d.syntaxError(err)
	case tooLarge != nil:
		return tooLarge
	}
	return nil
}

// oversizedDocument finds the first document of data (documents split at
// "---" lines) with more than limit lines and flow items (",", "[", "{"),
// an upper bound on half its nodes. It returns the offset and line where
// that document starts.
func oversizedDocument(data string, limit int) (cut, line int, ok bool) {
	if len(data) <= limit {
		return 0, 0, false // each item is a byte: no document can hold more
	}
	start, startLine, items, lineNo := 0, 1, 0, 1
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			items++
			lineNo++
			if rest := data[i+1:]; strings.HasPrefix(rest, "---") && (len(rest) == 3 || rest[3] == ' ' || rest[3] == '\n' || rest[3] == '\r' || rest[3] == '\t') {
				if items > limit {
					return start, startLine, true
				}
				start, startLine, items = i+1, lineNo, 0
			}
		case ',', '[', '{':
			items++
		}
	}
	if items > limit {
		return start, startLine, true
	}
	return 0, 0, false
}

// parsedDoc is one document as parseEach hands it over: read by the fast
// parser, or by yaml.v3.
type parsedDoc struct {
	fast *fastDoc
	root *yaml.Node
}

// line is where the document starts (yaml.v3's DocumentNode line).
func (pd parsedDoc) line() int {
	if pd.fast != nil {
		return pd.fast.line
	}
	return pd.root.Line
}

// errStopped is how parseEach's callback stops yamlEach.
var errStopped = errors.New("stopped")

// parseEach parses every document of data, with the fast parser
// (fastyaml.go) as far as it goes and yaml.v3 for the rest, handing each
// to fn in order as soon as it is parsed; it stops early, returning nil,
// when fn returns false. After a syntax error in the part yaml.v3 reads,
// the error is the one yaml.v3 reports for the whole of data, with its
// lines and context.
//
// The fast parser's documents are handed over one behind: yaml.v3 scans a
// few tokens ahead, so a scanner error at the start of the text the fast
// parser left can keep yaml.v3 from returning the document before it, and
// then that document is not handed over, as yaml.v3 alone would not.
//
// With opts.reuse set, the fast parser reuses the memory of a document
// once fn has returned for the one after it (see fastEach).
func parseEach(data string, opts fastOptions, fn func(parsedDoc) bool) error {
	var held *fastDoc
	fastCount := 0
	n, stopped := fastEach(data, opts, func(doc *fastDoc) bool {
		fastCount++
		if held != nil && !fn(parsedDoc{fast: held}) {
			held = nil
			return false
		}
		held = doc
		return true
	})
	if stopped {
		return nil
	}
	if n == len(data) {
		if held != nil {
			fn(parsedDoc{fast: held})
		}
		return nil
	}
	shift := strings.Count(data[:n], "\n")
	err := yamlEach(data[n:], func(r *yaml.Node) bool {
		if held != nil {
			h := held
			held = nil
			if !fn(parsedDoc{fast: h}) {
				return false
			}
		}
		if shift > 0 {
			shiftLines(r, shift)
		}
		return fn(parsedDoc{root: r})
	})
	if errors.Is(err, errStopped) {
		return nil
	}
	if err != nil && n > 0 {
		// Report the error with the lines and context of the whole file;
		// the documents before it were handed over already, but for one
		// the fast parser read that yaml.v3 does not return.
		whole := 0
		err = yamlEach(data, func(*yaml.Node) bool { whole++; return true })
		if held != nil && whole >= fastCount && !fn(parsedDoc{fast: held}) {
			return nil
		}
		return err
	}
	if held != nil {
		fn(parsedDoc{fast: held}) // the rest held no document
	}
	return err
}

// yamlEach parses the documents of data with yaml.v3 one at a time, handing
// each to fn, up to the first syntax error; errStopped when fn returns
// false.
func yamlEach(data string, fn func(*yaml.Node) bool) error {
	dec := yaml.NewDecoder(strings.NewReader(data))
	for {
		root := new(yaml.Node)
		err := dec.Decode(root)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if !fn(root) {
			return errStopped
		}
	}
}

// shiftLines moves a tree parsed from the end of a file down by shift lines.
// Alias targets are in the tree too; they are not followed.
func shiftLines(n *yaml.Node, shift int) {
	n.Line += shift
	for _, c := range n.Content {
		shiftLines(c, shift)
	}
}

// DecodeValue reads a single YAML document into the JSON-shaped value
// Backstage would see (map[string]any, []any, string, float64, bool, nil).
// It is Decode's scalar and collection logic, for callers that read other
// YAML files the Backstage way.
func DecodeValue(file string, text []byte) (any, error) {
	data := string(text)
	if !utf8.ValidString(data) {
		line, col := invalidUTF8At(data)
		return nil, &DecodeError{Position: Position{File: file, Line: line, Column: col}, Err: ErrInvalidUTF8, Msg: "file is not valid UTF-8"}
	}
	data, versions := rewriteVersionDirectives(data)
	data, swapped := hideLegacyBreaks(data)
	d := &decoder{file: file, data: data, maxAlias: DefaultMaxAliasNodes, swapped: swapped, indent: -1}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(data), &root); err != nil {
		return nil, d.syntaxError(err)
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	d.v11 = versionOf(&root, 0, versions) == "1.1"
	return d.value(root.Content[0], 0)
}

type decoder struct {
	file     string
	data     string
	maxAlias int
	aliased  int     // nodes produced through aliases in the current document
	v11      bool    // the current document declares %YAML 1.1
	prevLine int     // first line of the previous document
	swapped  bool    // hideLegacyBreaks replaced characters that scalars must get back
	lines    []int32 // byte offset of each line start, built on first use
	// sourceAt's memo: column memoCol of line memoLine starts at byte
	// memoOff, so that nodes along one long line cost their distance
	// from the one before, not from the line's start.
	memoLine, memoCol, memoOff int
	// inFlow: a flow collection around the current node had its lines
	// checked by flowIndented, which covers every line inside it.
	inFlow bool
	// indent is the indentation of the innermost block collection being
	// read (-1 at the top): lines that continue a quoted string or a flow
	// collection inside it must be indented more.
	indent int
}

// document turns one parsed YAML document into a Document, or nil for an
// empty document.
func (d *decoder) document(pd parsedDoc, index int, versions []versionDirective) *Document {
	d.aliased = 0
	if pd.fast != nil {
		// The fast parser reads no directives, so no %YAML 1.1 either.
		d.v11 = false
		d.prevLine = pd.fast.line
		line, column := pd.fast.contentAt()
		v, err := pd.fast.result()
		return d.entity(Source{File: d.file, Document: index, Line: line}, column, v, err, func() *positions { return pd.fast.pos })
	}
	root := pd.root
	d.v11 = versionOf(root, d.prevLine, versions) == "1.1"
	d.prevLine = root.Line
	if len(root.Content) == 0 {
		return nil
	}
	node := root.Content[0]
	v, err := d.value(node, 0)
	return d.entity(Source{File: d.file, Document: index, Line: node.Line}, node.Column, v, err, func() *positions {
		pos := &positions{}
		aliased := 0
		pos.root = pos.addNode(node, d.unswap, &aliased)
		return pos
	})
}

// entity makes the Document of a document's value v (or error err) whose
// content starts at src.Line and column; pos gives the positions of an
// entity's parts.
func (d *decoder) entity(src Source, column int, v any, err error, pos func() *positions) *Document {
	if err != nil {
		return &Document{Source: src, Err: err}
	}
	switch v := v.(type) {
	case nil:
		return nil
	case map[string]any:
		e := &Entity{Raw: v, Source: src, pos: pos()}
		e.fillTyped()
		return &Document{Source: src, Entity: e}
	default:
		return &Document{Source: src, Err: &DecodeError{
			Position: Position{File: d.file, Line: src.Line, Column: column},
			Err:      ErrNotMapping,
			Msg:      fmt.Sprintf("expected an entity (a mapping) at the root of document %d, found %s", src.Document+1, jsType(v)),
		}}
	}
}

const maxDepth = 1000

func (d *decoder) errAt(n *yaml.Node, sentinel error, format string, args ...any) error {
	return &DecodeError{Position: Position{File: d.file, Line: n.Line, Column: n.Column}, Err: sentinel, Msg: fmt.Sprintf(format, args...)}
}

// value converts a node into the JSON-shaped value the npm yaml package's
// toJSON gives.
func (d *decoder) value(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, d.errAt(n, ErrSyntax, "nesting deeper than %d levels", maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return d.value(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, d.errAt(n, ErrSyntax, "unknown anchor %q", n.Value)
		}
		d.aliased += countNodes(n.Alias, d.maxAlias+1)
		if d.aliased > d.maxAlias {
			return nil, d.errAt(n, ErrAliasBomb, "aliases expand to more than %d nodes; refusing a possible alias bomb", d.maxAlias)
		}
		return d.value(n.Alias, depth+1)
	case yaml.ScalarNode:
		return d.scalar(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		defer d.leave(d.indent, d.inFlow)
		if err := d.enter(n); err != nil {
			return nil, err
		}
		for _, c := range n.Content {
			v, err := d.value(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return d.mapping(n, depth)
	}
	return nil, d.errAt(n, ErrSyntax, "unexpected YAML node")
}

func (d *decoder) mapping(n *yaml.Node, depth int) (any, error) {
	out := make(map[string]any, len(n.Content)/2)
	defer d.leave(d.indent, d.inFlow)
	if err := d.enter(n); err != nil {
		return nil, err
	}
	var merges []*yaml.Node
	var index keyIndex // made when a key's string form is taken (see keyIndex)
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if d.isMergeKey(kn) {
			merges = append(merges, vn)
			continue
		}
		kv, err := d.value(kn, depth+1)
		if err != nil {
			return nil, err
		}
		ks := jsString(kv)
		// The npm yaml package refuses equal scalar keys; keys of different
		// types ("1" and 1) are distinct there even though both become "1".
		// Only a key whose string form is already taken can be a repeat,
		// so the earlier keys are indexed only then.
		if _, taken := out[ks]; taken && index == nil && isScalar(kv) {
			index = d.earlierKeys(n, i, depth)
		}
		if index != nil {
			if line, dup := index.add(ks, kv, kn.Line); dup {
				return nil, d.errAt(kn, ErrDuplicate, "duplicate key %q (first at line %d); Backstage refuses maps with repeated keys", ks, line)
			}
		}
		v, err := d.value(vn, depth+1)
		if err != nil {
			return nil, err
		}
		out[ks] = v
	}
	// YAML 1.1 merge keys: explicit keys win over merged ones, earlier
	// merged maps over later ones.
	for _, m := range merges {
		sources := []*yaml.Node{m}
		if r := resolveAlias(m); r.Kind == yaml.SequenceNode {
			sources = r.Content
		}
		for _, s := range sources {
			v, err := d.value(s, depth+1)
			if err != nil {
				return nil, err
			}
			mm, ok := v.(map[string]any)
			if !ok {
				return nil, d.errAt(s, ErrSyntax, "merge key << needs a mapping or a list of mappings")
			}
			for k, v := range mm {
				if _, exists := out[k]; !exists {
					out[k] = v
				}
			}
		}
	}
	return out, nil
}

// unswap gives a scalar back the characters hideLegacyBreaks replaced.
func (d *decoder) unswap(s string) string { return restoreBreaks(d.swapped, s) }

// isMergeKey reports whether kn is a "<<" merge key, which only a
// %YAML 1.1 document applies.
func (d *decoder) isMergeKey(kn *yaml.Node) bool {
	return d.v11 && kn.Kind == yaml.ScalarNode && kn.Value == "<<" && kn.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0
}

// earlierKeys indexes the keys before index i of the mapping (merge keys
// and keys that are collections left out).
func (d *decoder) earlierKeys(n *yaml.Node, i, depth int) keyIndex {
	index := make(keyIndex, i/2+1)
	for j := 0; j < i; j += 2 {
		kn := n.Content[j]
		if d.isMergeKey(kn) {
			continue
		}
		if v, err := d.value(kn, depth+1); err == nil && isScalar(v) {
			index.add(jsString(v), v, kn.Line)
		}
	}
	return index
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

func countNodes(n *yaml.Node, limit int) int {
	count := 1
	for _, c := range n.Content {
		if count > limit {
			break
		}
		if c.Kind == yaml.AliasNode && c.Alias != nil {
			count += countNodes(c.Alias, limit-count)
			continue
		}
		count += countNodes(c, limit-count)
	}
	return count
}

// scalarTypes are the expressions of YAML's scalar types: the YAML 1.2
// core schema as the npm yaml package implements it, what its explicit
// tags accept, and the YAML 1.1 types for documents that declare %YAML
// 1.1. They are compiled on first use: most catalog files never need
// them, and every command would pay for them at start.
var scalarTypes = sync.OnceValue(func() *scalarExprs {
	return &scalarExprs{
		coreNull:    regexp.MustCompile(`^(?:~|[Nn]ull|NULL)?$`),
		coreBool:    regexp.MustCompile(`^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$`),
		coreOct:     regexp.MustCompile(`^0o[0-7]+$`),
		coreInt:     regexp.MustCompile(`^[-+]?[0-9]+$`),
		coreHex:     regexp.MustCompile(`^0x[0-9a-fA-F]+$`),
		coreFloat:   regexp.MustCompile(`^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$`),
		coreInf:     regexp.MustCompile(`^[-+]?\.(?:inf|Inf|INF)$`),
		coreNaN:     regexp.MustCompile(`^\.(?:nan|NaN|NAN)$`),
		tagFloat:    regexp.MustCompile(`^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$`),
		tagFloatExp: regexp.MustCompile(`^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$`),
		tagFloatNaN: regexp.MustCompile(`^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$`),
		timestampRE: regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:t|T|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[ \t]*(?:Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$`),
		v11Null:     regexp.MustCompile(`^(?:~|[Nn]ull|NULL)?$`),
		v11True:     regexp.MustCompile(`^(?:[Yy]|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$`),
		v11False:    regexp.MustCompile(`^(?:[Nn]|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$`),
		v11Bin:      regexp.MustCompile(`^[-+]?0b[0-1_]+$`),
		v11Oct:      regexp.MustCompile(`^[-+]?0[0-7_]+$`),
		v11Int:      regexp.MustCompile(`^[-+]?[0-9][0-9_]*$`),
		v11Hex:      regexp.MustCompile(`^[-+]?0x[0-9a-fA-F_]+$`),
		v11Sexa:     regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$`),
		v11Float:    regexp.MustCompile(`^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?$`),
		v11Time:     regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$`),
	}
})

// scalarExprs are the expressions of scalarTypes.
type scalarExprs struct {
	coreNull    *regexp.Regexp
	coreBool    *regexp.Regexp
	coreOct     *regexp.Regexp
	coreInt     *regexp.Regexp
	coreHex     *regexp.Regexp
	coreFloat   *regexp.Regexp
	coreInf     *regexp.Regexp
	coreNaN     *regexp.Regexp
	tagFloat    *regexp.Regexp
	tagFloatExp *regexp.Regexp
	tagFloatNaN *regexp.Regexp
	timestampRE *regexp.Regexp
	v11Null     *regexp.Regexp
	v11True     *regexp.Regexp
	v11False    *regexp.Regexp
	v11Bin      *regexp.Regexp
	v11Oct      *regexp.Regexp
	v11Int      *regexp.Regexp
	v11Hex      *regexp.Regexp
	v11Sexa     *regexp.Regexp
	v11Float    *regexp.Regexp
	v11Time     *regexp.Regexp
}

func (d *decoder) scalar(n *yaml.Node) (any, error) {
	s := d.unswap(n.Value)
	quoted := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	tagged := n.Style&yaml.TaggedStyle != 0
	if tagged {
		switch n.Tag {
		case "!!str", "!":
			return s, nil
		case "!!null":
			if scalarTypes().coreNull.MatchString(s) {
				return nil, nil
			}
			return s, nil // the npm yaml package warns and keeps the string
		case "!!bool":
			if scalarTypes().coreBool.MatchString(s) || (d.v11 && (scalarTypes().v11True.MatchString(s) || scalarTypes().v11False.MatchString(s))) {
				return d.plain(s), nil
			}
			return s, nil
		case "!!int", "!!float":
			if d.v11 {
				if v := d.plain(s); isNumber(v) {
					return v, nil
				}
				return s, nil
			}
			// YAML 1.2 core: each tag resolves only its own forms
			// ("!!float 1" stays the string "1", as in the npm yaml package).
			if n.Tag == "!!int" && (scalarTypes().coreOct.MatchString(s) || scalarTypes().coreInt.MatchString(s) || scalarTypes().coreHex.MatchString(s)) {
				return d.plain(s), nil
			}
			if n.Tag == "!!float" && (scalarTypes().tagFloat.MatchString(s) || scalarTypes().tagFloatExp.MatchString(s) || scalarTypes().tagFloatNaN.MatchString(s)) {
				return d.plain(s), nil
			}
			return s, nil
		case "!!timestamp":
			// The npm yaml package reads a date as a JavaScript Date,
			// which its toJSON makes an ISO string; anything else is an
			// error.
			if t, ok := parseTimestamp(s); ok {
				return t, nil
			}
			return nil, d.errAt(n, ErrSyntax, "!!timestamp expects a date, starting with yyyy-mm-dd")
		case "!!binary":
			// A Node Buffer, which toJSON makes {type: "Buffer", data: [bytes]}.
			b, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
				if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
					return -1
				}
				return r
			}, s))
			if err != nil {
				return nil, d.errAt(n, ErrSyntax, "!!binary value is not base64: %v", err)
			}
			data := make([]any, len(b))
			for i, c := range b {
				data[i] = float64(c)
			}
			return map[string]any{"type": "Buffer", "data": data}, nil
		}
		// Unknown tags: Backstage's parser warns and reads the value as if
		// untagged.
	}
	if quoted {
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			if err := d.quotedIndented(n); err != nil {
				return nil, err
			}
		}
		return s, nil
	}
	v := d.plain(s)
	if _, isStr := v.(string); !isStr && !tagged && d.nonSpecificTag(n) {
		// "! 12": the non-specific tag makes a plain scalar a string in
		// YAML 1.2; the Go parser drops the tag, so look at the source.
		return s, nil
	}
	return v, nil
}

// sourceAt returns the source text from the node's line and column on, or
// nil when the position is not in the text.
func (d *decoder) sourceAt(n *yaml.Node) string {
	if d.lines == nil {
		// Sized exactly, four bytes a line: 8 MiB of short lines is two
		// million of them.
		d.lines = make([]int32, 1, 1+strings.Count(d.data, "\n"))
		for i := 0; i < len(d.data); i++ {
			if d.data[i] == '\n' {
				d.lines = append(d.lines, int32(i+1))
			}
		}
	}
	if n.Line < 1 || n.Line > len(d.lines) {
		return ""
	}
	off, col := int(d.lines[n.Line-1]), 1
	if d.memoLine == n.Line && d.memoCol <= n.Column {
		off, col = d.memoOff, d.memoCol
	}
	for ; col < n.Column && off < len(d.data); col++ { // columns count characters
		_, size := utf8.DecodeRuneInString(d.data[off:])
		off += size
	}
	d.memoLine, d.memoCol, d.memoOff = n.Line, col, off
	return d.data[off:]
}

// quotedIndented checks a quoted string that runs over several lines as
// the npm yaml package does: in a block collection, every line after the
// first must be indented more than the collection (the Go parser takes
// less).
func (d *decoder) quotedIndented(n *yaml.Node) error {
	if d.indent < 0 || !strings.Contains(n.Value, " ") && !strings.Contains(n.Value, "\n") && n.Value != "" {
		// A string that spans lines folds its line breaks into spaces
		// or keeps them as \n: one with neither is on one line.
		return nil
	}
	text := d.sourceAt(n)
	if len(text) == 0 || (text[0] != '\'' && text[0] != '"') {
		return nil
	}
	q := text[0]
	line := n.Line
	for i := 1; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\\' && q == '"':
			i++
		case c == q:
			if q == '\'' && i+1 < len(text) && text[i+1] == '\'' {
				i++
				continue
			}
			return nil
		case c == '\n':
			line++
			indent := 0
			for i+1+indent < len(text) && text[i+1+indent] == ' ' {
				indent++
			}
			rest := text[i+1+indent:]
			blank := len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r'
			if !blank && indent <= d.indent {
				return &DecodeError{Position: Position{File: d.file, Line: line, Column: indent + 1}, Err: ErrSyntax,
					Msg: fmt.Sprintf("YAML syntax error: the quoted string from line %d goes on at line %d indented %d spaces; it must be indented more than %d (or closed with %c)", n.Line, line, indent, d.indent, q)}
			}
		}
	}
	return nil
}

// enter starts reading collection n: a block collection sets the
// indentation the lines inside it must pass, a flow collection has its
// lines checked against the one around it (flowIndented). leave, deferred
// with the values before, ends it.
func (d *decoder) enter(n *yaml.Node) error {
	if n.Style&yaml.FlowStyle == 0 {
		d.indent, d.inFlow = n.Column-1, false
		return nil
	}
	return d.flowIndented(n)
}

// leave restores what enter changed.
func (d *decoder) leave(indent int, inFlow bool) { d.indent, d.inFlow = indent, inFlow }

// flowIndented checks a flow collection ([...] or {...}) in a block
// collection as the npm yaml package does: every line it runs over must
// be indented more than the block collection. Once it has checked a
// collection, the ones inside it (whose lines are among those) are not
// checked again: each check reads to the end of its collection, and
// nested collections read again and again took time in the square of
// their depth.
func (d *decoder) flowIndented(n *yaml.Node) error {
	if d.indent < 0 || d.inFlow {
		return nil
	}
	text := d.sourceAt(n)
	if len(text) == 0 || (text[0] != '[' && text[0] != '{') {
		return nil
	}
	d.inFlow = true
	depth, line := 0, n.Line
	var quote byte
	atStart := true // where a node can start, so a quote opens a string
	for i := 0; i < len(text); i++ {
		c := text[i]
		wasStart := atStart
		atStart = c == ' ' && wasStart || c == '\t' && wasStart || c == '\n' || c == ',' || c == '[' || c == '{' || c == ':' || c == '?'
		switch {
		case quote != 0:
			atStart = false
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				if quote == '\'' && i+1 < len(text) && text[i+1] == '\'' {
					i++
					continue
				}
				quote = 0
			}
			if c != '\n' {
				continue
			}
		case (c == '\'' || c == '"') && wasStart:
			quote = c
			continue
		case c == '[' || c == '{':
			depth++
			continue
		case c == ']' || c == '}':
			depth--
			if depth == 0 {
				return nil
			}
			continue
		case c == '#' && i > 0 && (text[i-1] == ' ' || text[i-1] == '\t'):
			for i+1 < len(text) && text[i+1] != '\n' {
				i++
			}
			continue
		}
		if c != '\n' {
			continue
		}
		line++
		indent := 0
		for i+1+indent < len(text) && text[i+1+indent] == ' ' {
			indent++
		}
		rest := text[i+1+indent:]
		blank := len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r' || rest[0] == '#'
		if !blank && indent <= d.indent {
			return &DecodeError{Position: Position{File: d.file, Line: line, Column: indent + 1}, Err: ErrSyntax,
				Msg: fmt.Sprintf("YAML syntax error: the flow collection from line %d goes on at line %d indented %d spaces; it must be indented more than %d (or closed)", n.Line, line, indent, d.indent)}
		}
	}
	return nil
}

// nonSpecificTag reports whether the node's source text starts with the
// non-specific tag "!" (after an optional anchor).
func (d *decoder) nonSpecificTag(n *yaml.Node) bool {
	text := d.sourceAt(n)
	if len(text) > 0 && text[0] == '&' {
		end := strings.IndexAny(text, " \t\n")
		if end < 0 {
			return false
		}
		text = strings.TrimLeft(text[end:], " \t")
	}
	return len(text) > 1 && text[0] == '!' && (text[1] == ' ' || text[1] == '\t')
}

// The Go parser reads NEL, LS and PS as line breaks (YAML 1.1); Backstage's
// YAML 1.2 parser reads them as ordinary characters. They are swapped for
// private-use characters of the same width in characters before parsing and
// swapped back in every scalar.
var (
	legacyBreaks     = strings.NewReplacer("\u0085", "\uf885", "\u2028", "\uf828", "\u2029", "\uf829")
	legacyBreaksBack = strings.NewReplacer("\uf885", "\u0085", "\uf828", "\u2028", "\uf829", "\u2029")
)

// restoreBreaks gives s back the characters hideLegacyBreaks replaced,
// when it replaced any (swapped).
func restoreBreaks(swapped bool, s string) string {
	if swapped {
		return legacyBreaksBack.Replace(s)
	}
	return s
}

func hideLegacyBreaks(data string) (string, bool) {
	// strings.Contains of each sequence is much faster than ContainsAny,
	// which decodes every rune.
	has := func(chars ...string) bool {
		for _, c := range chars {
			if strings.Contains(data, c) {
				return true
			}
		}
		return false
	}
	if !has("\u0085", "\u2028", "\u2029") || has("\uf885", "\uf828", "\uf829") {
		return data, false
	}
	return legacyBreaks.Replace(data), true
}

func isNumber(v any) bool {
	_, ok := v.(float64)
	return ok
}

// plain resolves an untagged plain scalar.
func (d *decoder) plain(s string) any {
	if d.v11 {
		return resolve11(s)
	}
	return corePlain(s)
}

// corePlain resolves an untagged plain scalar by the YAML 1.2 core schema,
// as the npm yaml package does.
func corePlain(s string) any {
	if plainIsString(s) {
		return s
	}
	switch {
	case scalarTypes().coreNull.MatchString(s):
		return nil
	case scalarTypes().coreBool.MatchString(s):
		return s[0] == 't' || s[0] == 'T'
	case scalarTypes().coreOct.MatchString(s):
		return parseUint(s[2:], 8)
	case scalarTypes().coreHex.MatchString(s):
		return parseUint(s[2:], 16)
	case scalarTypes().coreInt.MatchString(s), scalarTypes().coreFloat.MatchString(s):
		f, _ := strconv.ParseFloat(s, 64) // matches are valid floats; overflow gives ±Inf as in JS
		return f
	case scalarTypes().coreInf.MatchString(s):
		if s[0] == '-' {
			return mathInf(-1)
		}
		return mathInf(1)
	case scalarTypes().coreNaN.MatchString(s):
		return mathNaN()
	}
	return s
}

// plainIsString is the fast path of plain: most scalars start with a letter
// that no YAML 1.2 core type (null, bool, number) can start with.
func plainIsString(s string) bool {
	if s == "" {
		return false
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == '~':
		return false
	case c == 'n', c == 'N':
		return s != "null" && s != "Null" && s != "NULL"
	case c == 't', c == 'T', c == 'f', c == 'F':
		switch s {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return false
		}
		return true
	}
	return true
}

func resolve11(s string) any {
	sign := 1.0
	body := s
	if len(body) > 0 && (body[0] == '-' || body[0] == '+') {
		if body[0] == '-' {
			sign = -1
		}
		body = body[1:]
	}
	clean := func(x string) string { return string(bytes.ReplaceAll([]byte(x), []byte("_"), nil)) }
	switch {
	case scalarTypes().v11Null.MatchString(s):
		return nil
	case scalarTypes().v11True.MatchString(s):
		return true
	case scalarTypes().v11False.MatchString(s):
		return false
	case scalarTypes().v11Bin.MatchString(s):
		return sign * parseUint(clean(body[2:]), 2).(float64)
	case scalarTypes().v11Hex.MatchString(s):
		return sign * parseUint(clean(body[2:]), 16).(float64)
	case scalarTypes().v11Oct.MatchString(s) && len(clean(body)) > 1:
		return sign * parseUint(clean(body[1:]), 8).(float64)
	case scalarTypes().v11Int.MatchString(s):
		f, _ := strconv.ParseFloat(clean(body), 64)
		return sign * f
	case scalarTypes().v11Sexa.MatchString(s):
		var total float64
		for _, part := range bytes.Split([]byte(clean(body)), []byte(":")) {
			p, _ := strconv.ParseFloat(string(part), 64)
			total = total*60 + p
		}
		return sign * total
	case scalarTypes().v11Float.MatchString(s) && body != ".":
		f, err := strconv.ParseFloat(clean(body), 64)
		if err == nil {
			return sign * f
		}
	case scalarTypes().coreInf.MatchString(s):
		return mathInf(int(sign))
	case scalarTypes().coreNaN.MatchString(s):
		return mathNaN()
	case scalarTypes().v11Time.MatchString(s):
		if t, ok := parseTimestamp(s); ok {
			return t
		}
	}
	return s
}

func parseUint(digits string, base int) any {
	u, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		// Too large for 64 bits: JS still gives a (rounded) number.
		f := 0.0
		for _, c := range digits {
			v, _ := strconv.ParseUint(string(c), base, 8)
			f = f*float64(base) + float64(v)
		}
		return f
	}
	return float64(u)
}

func invalidUTF8At(data string) (line, col int) {
	line, col = 1, 1
	for len(data) > 0 {
		r, size := utf8.DecodeRuneInString(data)
		if r == utf8.RuneError && size <= 1 {
			return line, col
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		data = data[size:]
	}
	return line, col
}

// yaml.v3's error messages, read on first use.
var (
	yamlErrLine   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })
	yamlErrAnchor = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`) })
)

func (d *decoder) syntaxError(err error) error {
	msg := err.Error()
	pos := Position{File: d.file}
	if m := yamlErrLine().FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else if m := yamlErrAnchor().FindStringSubmatch(msg); m != nil {
		// The parser does not say where; the first use of the alias is.
		if i := strings.Index(d.data, "*"+m[1]); i >= 0 {
			pos.Line = 1 + strings.Count(d.data[:i], "\n")
		}
		msg = fmt.Sprintf("alias *%s refers to no anchor (&%s) defined before it", m[1], m[1])
	} else if len(msg) > 6 && msg[:6] == "yaml: " {
		// yaml.v3 leaves out the line when it is the first (its marks
		// count from 0 and 0 is taken to mean none).
		msg = msg[6:]
		pos.Line = 1
	}
	return &DecodeError{Position: pos, Err: ErrSyntax, Msg: "YAML syntax error: " + msg}
}

// versionDirective is a %YAML directive seen in the file.
type versionDirective struct {
	line    int
	version string
}

var versionLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^%YAML[ \t]+(1\.[0-9]+)[ \t]*(?:#.*)?\r?$`)
})

// rewriteVersionDirectives records %YAML directives and rewrites "%YAML 1.2"
// (which Backstage reads, but the Go YAML parser refuses) to "%YAML 1.1" of
// the same length, so lines and columns stay true.
func rewriteVersionDirectives(data string) (string, []versionDirective) {
	if !strings.Contains(data, "%YAML") {
		return data, nil
	}
	var out []versionDirective
	locs := versionLine().FindAllStringSubmatchIndex(data, -1)
	if len(locs) == 0 {
		return data, nil
	}
	b := []byte(data)
	for _, l := range locs {
		line := 1 + strings.Count(data[:l[0]], "\n")
		ver := data[l[2]:l[3]]
		out = append(out, versionDirective{line: line, version: ver})
		if ver != "1.1" && l[3]-l[2] == 3 {
			copy(b[l[2]:l[3]], "1.1")
		}
	}
	return string(b), out
}

// versionOf returns the version a document declares: a directive between
// the previous document's start and this one's.
func versionOf(root *yaml.Node, prevLine int, versions []versionDirective) string {
	v := ""
	for _, dir := range versions {
		if dir.line > prevLine && dir.line <= root.Line {
			v = dir.version
		}
	}
	return v
}
