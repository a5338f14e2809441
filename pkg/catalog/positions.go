package catalog

import (
	"strconv"

	yaml "go.yaml.in/yaml/v3"
)

// positions records where the parts of one document stand, for
// Entity.Position: a tree of places held in one slice, which a decoder
// reading document after document can reuse (DecodeOptions.Transient).
// The fast parser (fastyaml.go) fills it as it reads; for documents read
// by yaml.v3 it is made from the node tree (addNode).
type positions struct {
	list []place
	// items holds each sequence's items: their number, then their
	// places; a sequence's first is where its run starts.
	items []int32
	root  int32 // the document's content; -1 when there is none
	// keys indexes the keys of mappings of more than smallMapping keys,
	// made on the first lookup in each, so that looking up every key of
	// a large mapping takes linear time.
	keys map[int32]map[string]int32
}

// smallMapping is the largest mapping whose keys at looks up one by one.
const smallMapping = 16

// place is one node of a document: the root, a mapping value (with its
// key) or a sequence item.
type place struct {
	// key is the mapping key this node is the value of, as a string, and
	// keyLine/keyColumn where that key stands; empty and 0 otherwise.
	key                string
	keyLine, keyColumn int32
	// line and column are where the node stands; scalarLine is the line
	// of the scalar it stands for (an alias's target: its own line
	// otherwise), which PositionAt counts from.
	line, column, scalarLine int32
	// first is a mapping's first child, or where a sequence's run of
	// items starts in positions.items; next is the next key of the
	// mapping this place is a value of (-1: none).
	first, next int32
	kind        placeKind
	// value is a block scalar's value, for PositionAt; empty for the rest.
	value string
}

// placeKind is what a place holds.
type placeKind uint8

const (
	placeScalar placeKind = iota
	placeMapping
	placeSequence
	placeLiteral // a literal block scalar (key: |)
	placeFolded  // a folded block scalar (key: >)
)

// reset empties p for the next document, keeping its memory.
func (p *positions) reset() {
	clear(p.list) // drop the strings the places held
	p.list = p.list[:0]
	p.items = p.items[:0]
	p.keys = nil
	p.root = -1
}

// add appends a place of kind standing at line and column and returns its
// index.
func (p *positions) add(kind placeKind, line, column int) int32 {
	p.list = append(p.list, place{line: int32(line), column: int32(column), scalarLine: int32(line), first: -1, next: -1, kind: kind})
	return int32(len(p.list) - 1)
}

// maxAliasPlaces bounds the places made for alias targets, copied at each
// use (Decode has already refused documents whose aliases expand to more
// than MaxAliasNodes nodes).
const maxAliasPlaces = 4 * DefaultMaxAliasNodes

// addNode adds the places of a yaml.v3 tree and returns the index of its
// root. Aliases stand where they are written, with the children of their
// target (as Position follows them); unswap gives keys and block scalars
// back the characters hideLegacyBreaks replaced.
func (p *positions) addNode(n *yaml.Node, unswap func(string) string, aliased *int) int32 {
	target := resolveAlias(n)
	if n != target {
		*aliased++
	}
	i := p.add(placeScalar, n.Line, n.Column)
	p.list[i].scalarLine = int32(target.Line)
	switch target.Kind {
	case yaml.ScalarNode:
		switch {
		case target.Style&yaml.LiteralStyle != 0:
			p.list[i].kind, p.list[i].value = placeLiteral, unswap(target.Value)
		case target.Style&yaml.FoldedStyle != 0:
			p.list[i].kind, p.list[i].value = placeFolded, unswap(target.Value)
		}
		return i
	case yaml.MappingNode:
		p.list[i].kind = placeMapping
	case yaml.SequenceNode:
		p.list[i].kind = placeSequence
	default:
		return i
	}
	if n != target && *aliased > maxAliasPlaces {
		if target.Kind == yaml.SequenceNode {
			p.sequence(i, nil)
		}
		return i // positions inside stop at the alias
	}
	if target.Kind == yaml.SequenceNode {
		items := make([]int32, len(target.Content))
		for j, child := range target.Content {
			items[j] = p.addNode(child, unswap, aliased)
		}
		p.sequence(i, items)
		return i
	}
	prev := int32(-1)
	for j := 0; j+1 < len(target.Content); j += 2 {
		key, child := target.Content[j], target.Content[j+1]
		c := p.addNode(child, unswap, aliased)
		p.list[c].key = unswap(key.Value)
		p.list[c].keyLine, p.list[c].keyColumn = int32(key.Line), int32(key.Column)
		p.link(i, prev, c)
		prev = c
	}
	return i
}

// link makes c the key of mapping m that follows prev (-1: the first).
func (p *positions) link(m, prev, c int32) {
	if prev < 0 {
		p.list[m].first = c
	} else {
		p.list[prev].next = c
	}
}

// sequence records the places of the items of sequence s.
func (p *positions) sequence(s int32, items []int32) {
	p.startItems(s, len(items))
	p.items = append(p.items, items...)
}

// startItems starts the run of sequence s's n items in p.items; the
// caller appends their places.
func (p *positions) startItems(s int32, n int) {
	p.list[s].first = int32(len(p.items))
	p.items = append(p.items, int32(n))
}

// key finds the value of key in mapping m: the last of repeated keys, as in
// the value. It returns -1 when the mapping has no such key.
func (p *positions) key(m int32, key string) int32 {
	if keys, ok := p.keys[m]; ok {
		if c, ok := keys[key]; ok {
			return c
		}
		return -1
	}
	found, n := int32(-1), 0
	for c := p.list[m].first; c >= 0; c = p.list[c].next {
		if p.list[c].key == key {
			found = c
		}
		n++
	}
	if n > smallMapping {
		keys := make(map[string]int32, n)
		for c := p.list[m].first; c >= 0; c = p.list[c].next {
			keys[p.list[c].key] = c
		}
		if p.keys == nil {
			p.keys = map[int32]map[string]int32{}
		}
		p.keys[m] = keys
	}
	return found
}

// at finds the place at path and the position Entity.Position gives for
// it, starting from position start: a mapping value stands where its key
// does (at the value's column when the value is on the key's line), an
// item where it starts; where the path leaves the tree, the last place
// found. It returns -1 for the place when the path is not all there.
func (p *positions) at(start Position, path []string) (Position, int32) {
	pos := start
	i := p.root
	for _, key := range path {
		if i < 0 {
			break
		}
		n := &p.list[i]
		next := int32(-1)
		switch n.kind {
		case placeMapping:
			if c := p.key(i, key); c >= 0 {
				k := &p.list[c]
				pos.Line, pos.Column = int(k.keyLine), int(k.keyColumn)
				if k.line == k.keyLine {
					pos.Column = int(k.column)
				}
				next = c
			}
		case placeSequence:
			if idx, err := strconv.Atoi(key); err == nil && n.first >= 0 && idx >= 0 && idx < int(p.items[n.first]) {
				next = p.items[int(n.first)+1+idx]
				pos.Line, pos.Column = int(p.list[next].line), int(p.list[next].column)
			}
		}
		i = next
	}
	return pos, i
}
