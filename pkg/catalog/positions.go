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
	root int32 // the document's content; -1 when there is none
}

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
	// first is the first child and next the next sibling (-1: none).
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
		return i // positions inside stop at the alias
	}
	prev := int32(-1)
	step := 1
	if target.Kind == yaml.MappingNode {
		step = 2
	}
	for j := 0; j+step-1 < len(target.Content); j += step {
		var key *yaml.Node
		child := target.Content[j]
		if step == 2 {
			key, child = child, target.Content[j+1]
		}
		c := p.addNode(child, unswap, aliased)
		if key != nil {
			p.list[c].key = unswap(key.Value)
			p.list[c].keyLine, p.list[c].keyColumn = int32(key.Line), int32(key.Column)
		}
		p.link(i, prev, c)
		prev = c
	}
	return i
}

// link makes c the child of parent that follows prev (-1: the first).
func (p *positions) link(parent, prev, c int32) {
	if prev < 0 {
		p.list[parent].first = c
	} else {
		p.list[prev].next = c
	}
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
			// The last of repeated keys wins, as in the value.
			for c := n.first; c >= 0; c = p.list[c].next {
				if k := &p.list[c]; k.key == key {
					pos.Line, pos.Column = int(k.keyLine), int(k.keyColumn)
					if k.line == k.keyLine {
						pos.Column = int(k.column)
					}
					next = c
				}
			}
		case placeSequence:
			if idx, err := strconv.Atoi(key); err == nil && idx >= 0 {
				c := n.first
				for ; c >= 0 && idx > 0; idx-- {
					c = p.list[c].next
				}
				if c >= 0 {
					next = c
					pos.Line, pos.Column = int(p.list[c].line), int(p.list[c].column)
				}
			}
		}
		i = next
	}
	return pos, i
}
