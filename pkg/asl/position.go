package asl

import "sort"

// lineBlock is the stride of lineIndex's character counts.
const lineBlock = 1024

// lineIndex maps byte offsets of a source to lines and columns in time
// bounded by lineBlock, however long the line: definitions are often one
// minified line of a megabyte.
type lineIndex struct {
	data   []byte
	starts []int   // byte offset of each line's first byte
	chars  []int32 // chars[k]: characters in data[:k*lineBlock]
}

// isCharStart: a byte that starts a UTF-8 sequence (or is invalid on its
// own) counts as one character; continuation bytes do not.
func isCharStart(c byte) bool { return c&0xC0 != 0x80 }

func newLineIndex(data []byte) lineIndex {
	starts := make([]int, 1, 64)
	chars := make([]int32, 0, len(data)/lineBlock+1)
	var n int32
	for i, c := range data {
		if i%lineBlock == 0 {
			chars = append(chars, n)
		}
		if isCharStart(c) {
			n++
		}
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	if len(data)%lineBlock == 0 {
		chars = append(chars, n)
	}
	return lineIndex{data: data, starts: starts, chars: chars}
}

// charsBefore counts the characters in data[:off].
func (x lineIndex) charsBefore(off int) int {
	k := off / lineBlock
	n := int(x.chars[k])
	for _, c := range x.data[k*lineBlock : off] {
		if isCharStart(c) {
			n++
		}
	}
	return n
}

// at returns the 1-based line and character column of a byte offset.
func (x lineIndex) at(off int) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > len(x.data) {
		off = len(x.data)
	}
	i := sort.Search(len(x.starts), func(i int) bool { return x.starts[i] > off }) - 1
	return i + 1, x.charsBefore(off) - x.charsBefore(x.starts[i]) + 1
}

// pointerEscape escapes one reference token of a JSON pointer (RFC 6901).
func pointerEscape(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '~' || s[i] == '/' {
			b := make([]byte, 0, len(s)+4)
			for j := 0; j < len(s); j++ {
				switch s[j] {
				case '~':
					b = append(b, '~', '0')
				case '/':
					b = append(b, '~', '1')
				default:
					b = append(b, s[j])
				}
			}
			return string(b)
		}
	}
	return s
}
