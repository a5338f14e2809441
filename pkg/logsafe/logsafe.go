package logsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// zwsp is the zero-width space put inside "::" and "##[" so the runner no
// longer sees a command marker; people reading the log see the same text.
const zwsp = "\u200b"

// String makes s safe to print anywhere in a log line, including at its
// start:
//
//   - control characters (C0 and C1, DEL, so CR, LF, ESC and tab too), line
//     and paragraph separators, bidirectional overrides and invalid UTF-8
//     are written as Go escapes (\n, \r, \x1b, \u202e), so the value stays
//     on its line and cannot move the terminal or reorder what is shown;
//   - every "::" and "##[" gets a zero-width space in the middle, so no part
//     of the value can start a workflow command, wherever it lands.
//
// Text without any of these is returned unchanged.
func String(s string) string { return escape(s, true) }

// escape is String; with colons false it leaves "::" alone.
func escape(s string, colons bool) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			writeEscape(&b, r)
		case colons && r == ':' && strings.HasPrefix(s[i+1:], ":"):
			b.WriteString(":" + zwsp)
		case r == '#' && strings.HasPrefix(s[i+1:], "#["):
			b.WriteString("#" + zwsp)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// clean reports whether String has nothing to change in s.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= 0x80 {
			return cleanSlow(s)
		}
		if (c == ':' && i+1 < len(s) && s[i+1] == ':') || (c == '#' && strings.HasPrefix(s[i+1:], "#[")) {
			return false
		}
	}
	return true
}

func cleanSlow(s string) bool {
	if !utf8.ValidString(s) || strings.Contains(s, "::") || strings.Contains(s, "##[") {
		return false
	}
	for _, r := range s {
		if unsafeRune(r) {
			return false
		}
	}
	return true
}

// unsafeRune reports the characters String escapes.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true // C0, DEL, C1 (NEL U+0085 among them)
	case r == '\u2028', r == '\u2029':
		return true // line and paragraph separators
	case r == '\u061c', r == '\u200e', r == '\u200f', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true // bidirectional marks, embeddings, overrides, isolates
	case r == '\ufeff':
		return true // byte order mark, invisible
	}
	return false
}

func writeEscape(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		if r < 0x80 {
			fmt.Fprintf(b, `\x%02x`, r)
		} else {
			fmt.Fprintf(b, `\u%04x`, r)
		}
	}
}

// Line makes one whole line safe when any of it may be outside text:
// String's escapes and "##[" broken up, but "::" inside the line is kept
// (an IAM role ARN has one; the runner reads a command only at the start of
// a line), and "› " goes in front when the line would begin with "::" once
// leading white space is trimmed, as the runner trims it. Use String for
// values that a format puts anywhere, Line (or Writer) for whole lines.
func Line(s string) string {
	s = escape(s, false)
	if strings.HasPrefix(strings.TrimLeftFunc(s, unicode.IsSpace), "::") {
		return "› " + s
	}
	return s
}

// Clip cuts s to at most n bytes on a rune boundary, marking the cut with
// "…" and the number of bytes left out, so that one huge outside value
// cannot flood a log. It does not neutralise; use String on the result.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d more bytes)", s[:cut], len(s)-cut)
}
