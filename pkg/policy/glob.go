package policy

import (
	"regexp"
	"strings"
	"sync"
)

var globCache sync.Map // pattern -> *regexp.Regexp

// globMatch matches s against a GitHub-style pattern: "*" matches any run of
// characters other than "/", "**" any run at all, "?" one character other
// than "/"; everything else stands for itself.
func globMatch(pattern, s string) bool {
	if re, ok := globCache.Load(pattern); ok {
		return re.(*regexp.Regexp).MatchString(s)
	}
	var b strings.Builder
	b.WriteString("^")
	lit := 0 // start of the pending literal run
	flush := func(end int) {
		b.WriteString(regexp.QuoteMeta(pattern[lit:end]))
	}
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '*':
			flush(i)
			if i+1 < len(pattern) && pattern[i+1] == '*' {
				b.WriteString("(?s:.*)")
				i++
			} else {
				b.WriteString("[^/]*")
			}
			lit = i + 1
		case '?':
			flush(i)
			b.WriteString("[^/]")
			lit = i + 1
		}
	}
	flush(len(pattern))
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil { // invalid UTF-8 in the pattern: it matches nothing
		return false
	}
	globCache.Store(pattern, re)
	return re.MatchString(s)
}
