// Package charset checks strings against ASCII character classes with length
// bounds: the code form of simple regular expressions such as
// ^[A-Za-z0-9_-]{1,255}$. A Set costs nothing to build, where compiling such
// an expression at package init costs up to a millisecond (the program holds
// the class once per counted repeat) and is paid by every run of the binary.
package charset

// Set is a set of ASCII bytes. Bytes from 0x80 up are never in a Set, so a
// string whose bytes are all in a Set is ASCII and its length in bytes is its
// length in characters, as a regular expression counts them.
type Set struct{ bits [2]uint64 }

// New returns the set spec describes, in the syntax of a regular expression's
// bracket class without the brackets: single characters and ranges "a-z"; a
// '-' first or last is itself. It panics on a byte from 0x80 up or a reversed
// range: specs are constants of the program.
func New(spec string) Set {
	var s Set
	for i := 0; i < len(spec); i++ {
		lo, hi := spec[i], spec[i]
		if i+2 < len(spec) && spec[i+1] == '-' {
			hi = spec[i+2]
			i += 2
		}
		if hi >= 0x80 || lo > hi {
			panic("charset: bad spec " + spec)
		}
		for c := int(lo); c <= int(hi); c++ {
			s.bits[c>>6] |= 1 << (c & 63)
		}
	}
	return s
}

// Has reports whether c is in s.
func (s Set) Has(c byte) bool {
	return c < 0x80 && s.bits[c>>6]&(1<<(c&63)) != 0
}

// All reports whether every byte of str is in s; it is true for "".
func (s Set) All(str string) bool {
	for i := 0; i < len(str); i++ {
		if !s.Has(str[i]) {
			return false
		}
	}
	return true
}

// Span reports whether str is min to max bytes long and every byte is in s:
// the regular expression ^[s]{min,max}$.
func (s Set) Span(str string, min, max int) bool {
	return len(str) >= min && len(str) <= max && s.All(str)
}
