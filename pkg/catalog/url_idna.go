package catalog

import (
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/bidi"
)

// whatwgIDNA is the WHATWG URL standard's "domain to ASCII" (UTS #46
// ToASCII with CheckHyphens and VerifyDnsLength off, CheckJoiners on,
// nontransitional processing, no STD3 rules), as Node's URL parser runs
// it. The bidi rule is checked separately (rtlLabelOK), the way Node does.
var whatwgIDNA = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.CheckHyphens(false),
	idna.CheckJoiners(true),
	idna.VerifyDNSLength(false),
	idna.RemoveLeadingDots(false),
)

// domainToASCII reports whether Node's URL parser accepts host (already
// percent-decoded) as a domain, and returns its ASCII form. Hosts of
// ASCII letters, digits, '-', '_' and '.' whose labels do not start with
// "xn--" are taken as they are (lower-cased), which is the common case.
func domainToASCII(host string) (string, bool) {
	if plainASCIIHost(host) {
		return strings.ToLower(host), true
	}
	ascii, err := whatwgIDNA.ToASCII(host)
	if err != nil {
		return "", false
	}
	uni, err := whatwgIDNA.ToUnicode(ascii)
	if err != nil {
		return "", false
	}
	for _, label := range strings.Split(host, ".") {
		if strings.EqualFold(label, "xn--") {
			return "", false // an empty punycode label
		}
	}
	for _, label := range strings.Split(uni, ".") {
		if !rtlLabelOK(label) {
			return "", false
		}
	}
	return ascii, true
}

func plainASCIIHost(host string) bool {
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
		if (i == 0 || host[i-1] == '.') && len(host)-i >= 4 && strings.EqualFold(host[i:i+4], "xn--") {
			return false
		}
	}
	return true
}

// rtlLabelOK is the bidi rule (RFC 5893 rules 2 to 4) for a label that
// starts with a right-to-left character; Node checks no other label.
func rtlLabelOK(label string) bool {
	first := true
	var last bidi.Class
	hasEN, hasAN := false, false
	for _, r := range label {
		p, _ := bidi.LookupRune(r)
		c := p.Class()
		if first {
			if c != bidi.R && c != bidi.AL {
				return true
			}
			first = false
		}
		switch c {
		case bidi.R, bidi.AL, bidi.ES, bidi.CS, bidi.ET, bidi.ON, bidi.BN:
		case bidi.EN:
			hasEN = true
		case bidi.AN:
			hasAN = true
		case bidi.NSM:
			continue
		default:
			return false
		}
		last = c
	}
	if first {
		return true
	}
	if hasEN && hasAN {
		return false
	}
	return last == bidi.R || last == bidi.AL || last == bidi.EN || last == bidi.AN
}
