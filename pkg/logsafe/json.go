package logsafe

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// JSON makes encoded JSON text safe to print in a job log without changing
// the value it encodes: inside strings, the second "#" of "##[" and every
// character String would escape are written as \u escapes, which a JSON
// reader turns back into the same characters. Outside strings JSON text
// never holds them (but for white space, kept). "::" is left alone: a line
// of JSON text starts with white space and a bracket, quote or literal,
// never with "::". Invalid UTF-8 is left to the encoder that
// made b (encoding/json writes U+FFFD).
func JSON(b []byte) []byte {
	if clean(string(b)) {
		return b
	}
	var out bytes.Buffer
	out.Grow(len(b) + 16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == '#' && bytes.HasPrefix(b[i+1:], []byte("#[")):
			out.WriteString(`#\u0023`)
			size = 2
		case r != '\n' && r != '\t' && r != '\r' && r != utf8.RuneError && unsafeRune(r):
			// JSON white space is left alone: encoders escape it in strings.
			fmt.Fprintf(&out, `\u%04x`, r)
		default:
			out.Write(b[i : i+size])
		}
		i += size
	}
	return out.Bytes()
}
