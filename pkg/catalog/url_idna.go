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
	// A punycode label with no encoded part ("xn--abc-") decodes to
	// ASCII, which Node takes as it is and x/net/idna refuses when the
	// result starts with xn-- again: check a stand-in label instead.
	host, ok := asciiPunycodeLabels(host)
	if !ok {
		return "", false
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

// rtlLabelOK is the bidi check of Node's URL parser (ada's), which is
// not quite RFC 5893's; measured against Node 20 label by label:
//   - a label whose first character is R, AL or AN is right-to-left: all
//     its characters must be R, AL, AN, EN, ES, CS, ET, ON, BN or NSM, and
//     its last character other than NSM must be R, AL, EN or AN;
//   - in a label whose first character is L, the characters before the
//     last one other than NSM must be L, EN, ES, CS, ET, ON, BN or NSM (the
//     last one is not checked: "aא" passes, "aאa" does not); a label that
//     starts otherwise ("9א9", "-א") is not checked;
//   - no label holds both EN and AN.
func rtlLabelOK(label string) bool {
	var classes []bidi.Class
	for _, r := range label {
		p, _ := bidi.LookupRune(r)
		classes = append(classes, p.Class())
	}
	if len(classes) == 0 {
		return true
	}
	last := len(classes) - 1
	for last > 0 && classes[last] == bidi.NSM {
		last--
	}
	hasEN, hasAN := false, false
	for _, c := range classes {
		hasEN = hasEN || c == bidi.EN
		hasAN = hasAN || c == bidi.AN
	}
	if hasEN && hasAN {
		return false
	}
	switch classes[0] {
	case bidi.R, bidi.AL, bidi.AN:
		for _, c := range classes {
			switch c {
			case bidi.R, bidi.AL, bidi.AN, bidi.EN, bidi.ES, bidi.CS, bidi.ET, bidi.ON, bidi.BN, bidi.NSM:
			default:
				return false
			}
		}
		switch classes[last] {
		case bidi.R, bidi.AL, bidi.EN, bidi.AN:
			return true
		}
		return false
	}
	if classes[0] != bidi.L {
		return true
	}
	for _, c := range classes[:last] {
		switch c {
		case bidi.L, bidi.EN, bidi.ES, bidi.CS, bidi.ET, bidi.ON, bidi.BN, bidi.NSM:
		default:
			return false
		}
	}
	return true
}

// asciiPunycodeLabels replaces each punycode label that has no encoded
// part by a stand-in; it returns false for a punycode label that is not
// ASCII, which Node refuses (after dropping the characters IDNA maps to
// nothing, such as the soft hyphen).
func asciiPunycodeLabels(host string) (string, bool) {
	if !strings.Contains(strings.ToLower(host), "xn--") {
		return host, true
	}
	host = strings.Map(func(r rune) rune {
		switch {
		case r == 0xad, r == 0x34f, r >= 0x180b && r <= 0x180d, r == 0x200b, r == 0x2060, r >= 0xfe00 && r <= 0xfe0f, r == 0xfeff:
			return -1
		}
		return r
	}, host)
	labels := strings.Split(host, ".")
	for i, l := range labels {
		if len(l) >= 4 && strings.EqualFold(l[:4], "xn--") {
			for j := 0; j < len(l); j++ {
				if l[j] >= 0x80 {
					return "", false
				}
			}
		}
		if len(l) > 5 && strings.EqualFold(l[:4], "xn--") && l[len(l)-1] == '-' && plainASCIIHost(strings.ReplaceAll(l[4:], "xn--", "x")) {
			labels[i] = "a"
			continue
		}
		if len(l) > 5 && strings.EqualFold(l[:5], "xn---") {
			// An empty basic part written with its delimiter: Node decodes
			// it as if the delimiter were not there.
			labels[i] = "xn--" + l[5:]
		}
	}
	return strings.Join(labels, "."), true
}
