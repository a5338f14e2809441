package catalog

import (
	"net/netip"
	"strconv"
	"strings"
)

// isValidURL reports whether JavaScript's `new URL(s)` (the WHATWG URL
// parser, with no base) accepts s, which is Backstage's check for link URLs.
// Go's net/url accepts and refuses different strings, so the parts of the
// WHATWG algorithm that can fail are followed here: the scheme, and for the
// special schemes the authority (host, IPv4, IPv6, port).
func isValidURL(s string) bool {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= 0x20 })
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, s)
	}
	colon := strings.IndexByte(s, ':')
	if colon < 1 || !isASCIIAlpha(s[0]) {
		return false
	}
	for i := 1; i < colon; i++ {
		c := s[i]
		if !isASCIIAlpha(c) && !isASCIIDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	scheme := strings.ToLower(s[:colon])
	rest := s[colon+1:]
	switch scheme {
	case "http", "https", "ws", "wss", "ftp":
		rest = strings.TrimLeft(rest, `/\`)
		return validAuthority(cutAuthority(rest, true), true)
	case "file":
		if strings.HasPrefix(rest, "//") || strings.HasPrefix(rest, `\\`) || strings.HasPrefix(rest, `/\`) || strings.HasPrefix(rest, `\/`) {
			host := cutAuthority(rest[2:], true)
			if host == "" || isWindowsDriveLetter(host) {
				return true // "file://c:/x": the drive letter starts the path
			}
			return validHost(host, true, true)
		}
		return true
	default:
		if !strings.HasPrefix(rest, "//") {
			return true
		}
		return validAuthority(cutAuthority(rest[2:], false), false)
	}
}

func isWindowsDriveLetter(s string) bool {
	return len(s) == 2 && isASCIIAlpha(s[0]) && (s[1] == ':' || s[1] == '|')
}

func isASCIIAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

// cutAuthority returns the authority part: up to the first / ? # (and \ for
// special schemes).
func cutAuthority(s string, special bool) string {
	end := len(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '/' || c == '?' || c == '#' || (special && c == '\\') {
			end = i
			break
		}
	}
	return s[:end]
}

func validAuthority(auth string, special bool) bool {
	hadAt := false
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		auth = auth[at+1:]
		hadAt = true
	}
	host, port := auth, ""
	hadPort := false
	// The port follows the last ':' that is outside brackets.
	inBracket := false
	for i := 0; i < len(auth); i++ {
		switch auth[i] {
		case '[':
			inBracket = true
		case ']':
			inBracket = false
		case ':':
			if !inBracket {
				host, port = auth[:i], auth[i+1:]
				hadPort = true
				i = len(auth)
			}
		}
	}
	if port != "" {
		for i := 0; i < len(port); i++ {
			if !isASCIIDigit(port[i]) {
				return false
			}
		}
		digits := strings.TrimLeft(port, "0")
		if len(digits) > 5 {
			return false
		}
		if n, _ := strconv.Atoi(digits); n > 65535 {
			return false
		}
	}
	if host == "" {
		// An empty host is a failure before a port or after credentials,
		// and for special schemes always.
		return !special && !hadPort && !hadAt
	}
	return validHost(host, special, false)
}

const forbiddenHost = "\x00\t\n\r #/:<>?@[\\]^|"

func validHost(host string, special, file bool) bool {
	if strings.HasPrefix(host, "[") {
		if !strings.HasSuffix(host, "]") {
			return false
		}
		inner := host[1 : len(host)-1]
		if strings.ContainsAny(inner, "%") {
			return false
		}
		a, err := netip.ParseAddr(inner)
		return err == nil && a.Is6()
	}
	if !special {
		// Opaque host: no forbidden host code points ('%' is allowed).
		return !strings.ContainsAny(host, forbiddenHost)
	}
	decoded := percentDecode(host)
	if hasForbiddenDomainByte(decoded) {
		return false
	}
	ascii, ok := domainToASCII(decoded)
	if !ok || ascii == "" || hasForbiddenDomainByte(ascii) {
		return false
	}
	if file && strings.EqualFold(ascii, "localhost") {
		return true
	}
	if endsInNumber(ascii) {
		return validIPv4(ascii)
	}
	return true
}

// forbiddenDomainByte marks the ASCII forbidden domain code points: C0
// controls, DEL, '%' and the forbidden host code points.
var forbiddenDomainByte = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t[0x7f], t['%'] = true, true
	for i := 0; i < len(forbiddenHost); i++ {
		t[forbiddenHost[i]] = true
	}
	return t
}()

// hasForbiddenDomainByte reports whether s holds a forbidden domain code
// point. They are all ASCII, and no byte of a multi-byte UTF-8 sequence
// (nor of an invalid one) is below 0x80, so bytes can be checked alone.
func hasForbiddenDomainByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if forbiddenDomainByte[s[i]] {
			return true
		}
	}
	return false
}

func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return isASCIIDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// endsInNumber is the WHATWG "ends in a number checker".
func endsInNumber(host string) bool {
	// The last label, or the one before a trailing dot.
	if host == "" {
		return false
	}
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := ipv4Number(last)
	return ok
}

func ipv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	if s == "" {
		return 0, true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := (base == 10 && isASCIIDigit(c)) || (base == 8 && c >= '0' && c <= '7') || (base == 16 && isHex(c))
		if !ok {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		return 1 << 62, true // too large: still a number, out of range below
	}
	return n, true
}

func validIPv4(host string) bool {
	host = strings.TrimSuffix(host, ".") // one trailing dot is dropped
	var nums [4]uint64
	n := 0
	for part := range strings.SplitSeq(host, ".") {
		if n == len(nums) {
			return false // more than four parts
		}
		v, ok := ipv4Number(part)
		if !ok {
			return false
		}
		nums[n] = v
		n++
	}
	for _, v := range nums[:n-1] {
		if v > 255 {
			return false
		}
	}
	return nums[n-1] < 1<<(8*(5-n))
}
