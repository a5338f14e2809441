package actions

import (
	"fmt"
	"strings"
)

// setINISection returns text, an AWS shared config or credentials file,
// with the section named section replaced by one holding body (key = value
// lines), appended at the end; every other line is kept as it was. A section
// name or a key or value that would break out of its line or header is
// refused.
func setINISection(text, section string, body [][2]string) (string, error) {
	if section == "" || strings.ContainsAny(section, "[]\r\n") || strings.TrimSpace(section) != section {
		return "", fmt.Errorf("section name %q cannot be written", section)
	}
	for _, kv := range body {
		if kv[0] == "" || strings.ContainsAny(kv[0], "=[]\r\n \t") || strings.ContainsAny(kv[1], "\r\n") {
			return "", fmt.Errorf("%s: key %q or its value cannot be written", section, kv[0])
		}
	}
	var b strings.Builder
	skipping := false
	lines := strings.SplitAfter(text, "\n")
	for _, line := range lines {
		if line == "" {
			continue
		}
		if name, ok := iniHeader(line); ok {
			skipping = name == section
		}
		if !skipping {
			b.WriteString(line)
		}
	}
	if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "[%s]\n", section)
	for _, kv := range body {
		fmt.Fprintf(&b, "%s = %s\n", kv[0], kv[1])
	}
	return b.String(), nil
}

// iniHeader returns the name of the section a line opens, as the AWS SDKs
// read it: "[ name ]" with spaces trimmed, a comment allowed after it.
func iniHeader(line string) (string, bool) {
	s := strings.TrimSpace(line)
	if !strings.HasPrefix(s, "[") {
		return "", false
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return "", false
	}
	return strings.TrimSpace(s[1:end]), true
}
