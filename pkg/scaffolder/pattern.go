package scaffolder

import (
	"fmt"
)

// checkJSPattern finds the syntax errors that make a JSON Schema "pattern"
// fail to compile in Ajv 8, which builds patterns as JavaScript regular
// expressions with the u flag: unbalanced groups and classes, quantifiers
// with nothing to repeat, and braces that are not a {n}, {n,} or {n,m}
// quantifier (a mistake that is easy to make in a struct tag, where a comma
// cuts the pattern short). It does not try to be a full ECMAScript parser.
func checkJSPattern(p string) error { return checkPattern(p, true) }

// checkPattern is checkJSPattern in unicode mode, or, without it, with the
// looser rules JavaScript keeps for regular expressions without the u
// flag (Annex B): a lone ']', '{' or '}' is an ordinary character. The
// template engine's r/.../ literals are such expressions.
func checkPattern(p string, unicode bool) error {
	depth := 0
	atom := false // is there something a quantifier could repeat?
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 >= len(p) {
				return fmt.Errorf("ends with a lone backslash")
			}
			i++
			atom = true
		case '[':
			j := i + 1
			if j < len(p) && p[j] == '^' {
				j++
			}
			if j < len(p) && p[j] == ']' { // "[]" matches nothing; "[^]" anything
				i, atom = j, true
				continue
			}
			for ; j < len(p) && p[j] != ']'; j++ {
				if p[j] == '\\' {
					j++
				}
			}
			if j >= len(p) {
				return fmt.Errorf("character class opened at offset %d is never closed", i)
			}
			i, atom = j, true
		case ']':
			if !unicode {
				atom = true
				continue
			}
			return fmt.Errorf("lone ']' at offset %d (escape it in unicode mode)", i)
		case '(':
			depth++
			atom = false
			if i+2 < len(p) && p[i+1] == '?' {
				switch p[i+2] {
				case ':', '=', '!':
					i += 2
				case '<':
					i += 2
					if i+1 < len(p) && (p[i+1] == '=' || p[i+1] == '!') {
						i++
					}
				default:
					return fmt.Errorf("unknown group syntax (? at offset %d", i)
				}
			}
		case ')':
			depth--
			if depth < 0 {
				return fmt.Errorf("')' at offset %d closes no group", i)
			}
			atom = true
		case '|':
			atom = false
		case '^', '$':
			atom = false
		case '*', '+', '?':
			if !atom {
				return fmt.Errorf("%q at offset %d has nothing to repeat", c, i)
			}
			if i+1 < len(p) && p[i+1] == '?' {
				i++ // lazy
			}
			atom = false
		case '{':
			n := quantifierLen(p[i:])
			if n == 0 && !unicode {
				atom = true
				continue
			}
			if n == 0 {
				return fmt.Errorf("'{' at offset %d is not a {n}, {n,} or {n,m} quantifier (escape it, or was the pattern cut at a comma?)", i)
			}
			if !atom {
				return fmt.Errorf("quantifier at offset %d has nothing to repeat", i)
			}
			i += n - 1
			if i+1 < len(p) && p[i+1] == '?' {
				i++
			}
			atom = false
		case '}':
			if !unicode {
				atom = true
				continue
			}
			return fmt.Errorf("lone '}' at offset %d", i)
		default:
			atom = true
		}
	}
	if depth > 0 {
		return fmt.Errorf("%d group(s) never closed", depth)
	}
	return nil
}

// quantifierLen returns the length of a {n}, {n,} or {n,m} at the start of
// s, or 0.
func quantifierLen(s string) int {
	i := 1
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if digits() == 0 {
		return 0
	}
	if i < len(s) && s[i] == ',' {
		i++
		digits()
	}
	if i < len(s) && s[i] == '}' {
		return i + 1
	}
	return 0
}
