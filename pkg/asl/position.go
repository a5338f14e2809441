package asl

import (
	"sort"
	"unicode/utf8"
)

// lineIndex maps byte offsets of a source to lines and columns.
type lineIndex struct {
	data   []byte
	starts []int // byte offset of each line's first byte
}

func newLineIndex(data []byte) lineIndex {
	starts := make([]int, 1, 64)
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lineIndex{data: data, starts: starts}
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
	return i + 1, utf8.RuneCount(x.data[x.starts[i]:off]) + 1
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
