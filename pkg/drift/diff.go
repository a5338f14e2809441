package drift

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// CanonicalJSON formats a JSON document so that two documents with the same
// value format the same: object keys sorted, two-space indentation, numbers
// as written, no HTML escaping, one trailing newline. It is the form
// definitions are compared and diffed in.
func CanonicalJSON(data []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("not JSON: %w", err)
	}
	if dec.More() {
		return "", fmt.Errorf("not JSON: more than one value")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// maxDiffCells bounds the line-by-line comparison of the parts of two
// texts that differ (lines of one times lines of the other); past it the
// whole differing middle is shown as removed and added.
const maxDiffCells = 4_000_000

type opKind byte

const (
	opEqual opKind = ' '
	opDel   opKind = '-'
	opAdd   opKind = '+'
)

type op struct {
	kind opKind
	line string
}

// UnifiedDiff returns the unified diff (as diff -u writes it, with
// context lines of context) that turns a into b, labelled "--- from" and
// "+++ to"; "" when they are equal. A missing final newline is marked as
// diff marks it.
func UnifiedDiff(from, to, a, b string, context int) string {
	if a == b {
		return ""
	}
	ops := diffLines(splitLines(a), splitLines(b))
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", from, to)
	// Walk the ops, cutting hunks around changes.
	i := 0
	for i < len(ops) {
		for i < len(ops) && ops[i].kind == opEqual {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(0, i-context)
		end := i
		for {
			for end < len(ops) && ops[end].kind != opEqual {
				end++
			}
			run := end
			for run < len(ops) && ops[run].kind == opEqual {
				run++
			}
			if run < len(ops) && run-end <= 2*context {
				end = run
				continue
			}
			end = min(end+context, len(ops))
			break
		}
		aStart, bStart := lineNumbers(ops, start)
		aLen, bLen := 0, 0
		for _, o := range ops[start:end] {
			if o.kind != opAdd {
				aLen++
			}
			if o.kind != opDel {
				bLen++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, o := range ops[start:end] {
			out.WriteByte(byte(o.kind))
			if strings.HasSuffix(o.line, "\n") {
				out.WriteString(o.line)
			} else {
				out.WriteString(o.line + "\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return out.String()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start-1)
	}
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// lineNumbers gives the 1-based line numbers in a and b of ops[i].
func lineNumbers(ops []op, i int) (int, int) {
	a, b := 1, 1
	for _, o := range ops[:i] {
		if o.kind != opAdd {
			a++
		}
		if o.kind != opDel {
			b++
		}
	}
	return a, b
}

// splitLines splits s after each newline, keeping them.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffLines is the edit script from a to b: the common prefix and suffix,
// and between them a longest common subsequence of lines.
func diffLines(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	for _, l := range a[:pre] {
		ops = append(ops, op{opEqual, l})
	}
	ops = append(ops, lcsOps(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, op{opEqual, l})
	}
	return ops
}

func lcsOps(a, b []string) []op {
	var ops []op
	if len(a)*len(b) > maxDiffCells || len(a) == 0 || len(b) == 0 {
		for _, l := range a {
			ops = append(ops, op{opDel, l})
		}
		for _, l := range b {
			ops = append(ops, op{opAdd, l})
		}
		return ops
	}
	// n[i][j]: length of the LCS of a[i:] and b[j:].
	w := len(b) + 1
	n := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				n[i*w+j] = n[(i+1)*w+j+1] + 1
			} else {
				n[i*w+j] = max(n[(i+1)*w+j], n[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			ops = append(ops, op{opEqual, a[i]})
			i++
			j++
		case n[(i+1)*w+j] >= n[i*w+j+1]:
			ops = append(ops, op{opDel, a[i]})
			i++
		default:
			ops = append(ops, op{opAdd, b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		ops = append(ops, op{opDel, a[i]})
	}
	for ; j < len(b); j++ {
		ops = append(ops, op{opAdd, b[j]})
	}
	return ops
}
