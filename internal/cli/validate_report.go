package cli

import (
	"cmp"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/stagecrew/stagecrew/pkg/logsafe"
)

// The report of validate is built after every file is checked, so what is
// done here runs once the parallel part is over. It is kept small: only
// what needs every file (the first definition of each entity, and so the
// duplicates; which findings the cap keeps) is done serially, and the rest
// (looking up references, building findings, formatting lines) on all
// cores, file by file or chunk by chunk, with the order of the output
// fixed beforehand.
//
// The findings are those of each file in turn (its own, then its
// duplicates), then the references to entities not found, entity by
// entity; the first maxFindings of them are kept and sorted by file, line
// and column, keeping that order among equals.

// filePlan is what the report takes from one file.
type filePlan struct {
	dups     []duplicate
	unique   []*entitySummary // its entities not defined before
	dangling []danglingRef
	// How many of the file's findings fit under maxFindings: first its
	// own and its duplicates (a), then its references to entities not
	// found (b).
	keptA, keptB int
	// Where they go in the report: a and b apart (offA, offB: in the
	// order described above, for sortFindings to sort), or together from
	// offA when every finding of the file names the same file, file,
	// and the files come in order (grouped).
	offA, offB int
	file       string
	oneFile    bool // every finding of the file names file
}

// duplicate is an entity defined a second time, and its first definition.
type duplicate struct {
	e, first *entitySummary
}

// danglingRef is a reference to an entity in none of the files.
type danglingRef struct {
	e *entitySummary
	u *refUse
}

// buildReport counts what the files found and lists up to maxFindings of
// the findings, sorted; references to entities in none of the files are
// warnings (errors when strict).
func buildReport(results []fileResult, strict bool) *ValidateReport {
	rep, parts := buildReportParts(results, strict)
	rep.Findings = joinFindings(parts)
	return rep
}

// joinFindings makes one slice of parts (never nil: the JSON report lists
// no findings as []).
func joinFindings(parts [][]Finding) []Finding {
	n := 0
	for _, part := range parts {
		n += len(part)
	}
	all := make([]Finding, 0, n)
	for _, part := range parts {
		all = append(all, part...)
	}
	return all
}

// buildReportParts is buildReport with the findings left in parts, in
// order, rather than joined into rep.Findings: one part a file in the
// usual case, so text output writes them as they are. (A slice of all of
// them is 1 MB of memory touched for the first time, which costs more
// than building them: about 14 µs a 4 KiB page on the benchmark machine.)
func buildReportParts(results []fileResult, strict bool) (*ValidateReport, [][]Finding) {
	rep := &ValidateReport{}
	plans := make([]filePlan, len(results))
	entities := 0
	for i := range results {
		entities += len(results[i].entities)
	}
	// Serial: the first definition of each entity is the first in file
	// order.
	known := make(map[string]*entitySummary, entities)
	for i := range results {
		r, p := &results[i], &plans[i]
		if !r.counted {
			continue
		}
		rep.Files++
		rep.Valid += r.valid
		rep.Invalid += r.invalid
		rep.Unfetched += r.unfetched
		if r.fileErr {
			rep.FileErrors++
		}
		for j := range r.findings {
			if r.findings[j].Severity == "error" {
				rep.Errors++
			} else {
				rep.Warnings++
			}
		}
		rep.Errors += r.omittedErrors
		rep.Warnings += r.omittedWarnings
		rep.Omitted += r.omittedErrors + r.omittedWarnings
		p.unique = make([]*entitySummary, 0, len(r.entities))
		for j := range r.entities {
			e := &r.entities[j]
			if first, dup := known[e.key]; dup {
				p.dups = append(p.dups, duplicate{e: e, first: first})
				continue
			}
			known[e.key] = e
			p.unique = append(p.unique, e)
		}
		rep.Duplicates += len(p.dups)
		rep.Errors += len(p.dups)
	}
	rep.Entities = rep.Valid + rep.Invalid

	// Parallel: references to entities in none of the files (the map is
	// only read from here on), and whether all of a file's findings name
	// one file.
	inParallel(len(results), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			p := &plans[i]
			refs := 0
			for _, e := range p.unique {
				refs += len(e.refs)
			}
			p.dangling = make([]danglingRef, 0, refs)
			for _, e := range p.unique {
				for k := range e.refs {
					if u := &e.refs[k]; known[u.key] == nil {
						p.dangling = append(p.dangling, danglingRef{e: e, u: u})
					}
				}
			}
			p.file, p.oneFile = oneFile(&results[i])
		}
	})

	// Serial: which findings the cap keeps, and where each file's go.
	kept := 0
	for i := range plans {
		p := &plans[i]
		if !results[i].counted {
			continue
		}
		n := len(results[i].findings) + len(p.dups)
		p.offA, p.keptA = kept, min(n, maxFindings-kept)
		kept += p.keptA
		rep.Omitted += n - p.keptA
	}
	for i := range plans {
		p := &plans[i]
		n := len(p.dangling)
		if strict {
			rep.Errors += n
		} else {
			rep.Warnings += n
		}
		p.offB, p.keptB = kept, min(n, maxFindings-kept)
		kept += p.keptB
		rep.Omitted += n - p.keptB
	}
	grouped := groupPlans(plans)

	// Parallel: the findings themselves, each in its place, and sorted
	// there.
	severity := "warning"
	if strict {
		severity = "error"
	}
	if grouped {
		// Each file's findings in a slice of their own, in file order.
		parts := make([][]Finding, len(results))
		inParallel(len(results), func(lo, hi int) {
			var order []findingOrder // reused from file to file
			for i := lo; i < hi; i++ {
				p := &plans[i]
				if n := p.keptA + p.keptB; n > 0 {
					parts[i] = make([]Finding, n)
					order = fillGroup(parts[i], &results[i], p, severity, order)
				}
			}
		})
		return rep, slices.DeleteFunc(parts, func(part []Finding) bool { return len(part) == 0 })
	}
	all := make([]Finding, kept)
	inParallel(len(results), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			p := &plans[i]
			a := all[p.offA : p.offA+p.keptA]
			b := all[p.offB : p.offB+p.keptB]
			for j := range a {
				a[j] = p.finding(&results[i], j, severity)
			}
			for j := range b {
				b[j] = p.finding(&results[i], p.danglingSeq(&results[i], j), severity)
			}
			sortPart(a)
			sortPart(b)
		}
	})
	return rep, [][]Finding{sortFindings(all)}
}

// oneFile reports whether every finding r can give names the same file,
// and which.
func oneFile(r *fileResult) (string, bool) {
	var file string
	switch {
	case len(r.findings) > 0:
		file = r.findings[0].File
	case len(r.entities) > 0:
		file = r.entities[0].file
	default:
		return "", true
	}
	for j := range r.findings {
		if r.findings[j].File != file {
			return "", false
		}
	}
	for j := range r.entities {
		// Duplicates and references stand in the entity's file.
		if r.entities[j].file != file {
			return "", false
		}
	}
	return file, true
}

// groupPlans places each file's findings together (a, then b, from offA)
// when that is their sorted place: every file's findings name one file,
// and those names come in strictly ascending order. Then the report is
// sorted once each file's part is. It reports whether it did.
func groupPlans(plans []filePlan) bool {
	prev, seen := "", false
	for i := range plans {
		p := &plans[i]
		if p.keptA+p.keptB == 0 {
			continue
		}
		if !p.oneFile || (seen && p.file <= prev) {
			return false
		}
		prev, seen = p.file, true
	}
	off := 0
	for i := range plans {
		p := &plans[i]
		p.offA, p.offB = off, off+p.keptA
		off += p.keptA + p.keptB
	}
	return true
}

// finding builds the file's finding number j, counted as they come (see
// buildReport): its own findings, its duplicates, then its references to
// entities not found.
func (p *filePlan) finding(r *fileResult, j int, severity string) Finding {
	if j < len(r.findings) {
		return clipFinding(r.findings[j])
	}
	if j -= len(r.findings); j < len(p.dups) {
		d := p.dups[j]
		return clipFinding(Finding{File: d.e.file, Line: d.e.line, Entity: d.e.name, Severity: "error",
			Message: d.e.key + " is defined twice; first at " + d.first.file + ":" + strconv.Itoa(d.first.line)})
	}
	d := p.dangling[j-len(p.dups)]
	return clipFinding(Finding{File: d.e.file, Line: d.u.line, Column: d.u.column, Entity: d.e.name,
		Field: d.u.field, Severity: severity, Message: "points to " + d.u.key + ", which is not in the files given"})
}

// danglingSeq is the number (for finding) of the file's j-th reference to
// an entity not found.
func (p *filePlan) danglingSeq(r *fileResult, j int) int {
	return len(r.findings) + len(p.dups) + j
}

// findingOrder is where a finding of one file goes: by line and column,
// then as it came (seq, its number for filePlan.finding).
type findingOrder struct {
	line, column, seq int
}

// fillGroup writes the kept findings of one file, all naming the same
// file, into out in sorted order. The order is found on small keys and
// each finding built in its place: no finding is moved. order is scratch
// space, returned for the next file.
func fillGroup(out []Finding, r *fileResult, p *filePlan, severity string, order []findingOrder) []findingOrder {
	order = order[:0]
	for j := range p.keptA {
		if j < len(r.findings) {
			order = append(order, findingOrder{r.findings[j].Line, r.findings[j].Column, j})
		} else {
			order = append(order, findingOrder{p.dups[j-len(r.findings)].e.line, 0, j})
		}
	}
	for j := range p.keptB {
		u := p.dangling[j].u
		order = append(order, findingOrder{u.line, u.column, p.danglingSeq(r, j)})
	}
	byPlace := func(a, b findingOrder) int {
		if c := cmp.Compare(a.line, b.line); c != 0 {
			return c
		}
		if c := cmp.Compare(a.column, b.column); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	}
	if !slices.IsSortedFunc(order, byPlace) {
		slices.SortFunc(order, byPlace) // seq breaks ties: stable
	}
	for k, o := range order {
		out[k] = p.finding(r, o.seq, severity)
	}
	return order
}

// sortPart sorts part of the findings, keeping the order of equals. A
// file's part is rarely sorted already (the references of an entity come
// in field order, not line order); sorting the parts on all cores leaves
// the whole sorted (grouped) or in a few long runs for sortFindings. A
// stable sort of parts, then of the whole, is the stable sort of the
// whole.
func sortPart(fs []Finding) {
	if !slices.IsSortedFunc(fs, compareFindings) {
		slices.SortStableFunc(fs, compareFindings)
	}
}

// compareFindings orders findings by file, line and column.
func compareFindings(a, b Finding) int {
	if c := strings.Compare(a.File, b.File); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Line, b.Line); c != 0 {
		return c
	}
	return cmp.Compare(a.Column, b.Column)
}

// inParallel calls fn on contiguous parts of [0, n) on all cores and
// returns when all calls have; small n stays on this goroutine.
func inParallel(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/minParallel)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() { fn(lo, hi) })
	}
	wg.Wait()
}

// minParallel is the least number of items (files, findings) worth a
// goroutine of their own.
const minParallel = 8

// findingLess orders findings by file, line and column.
func findingLess(a, b *Finding) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Column < b.Column
}

// sortFindings sorts fs by file, line and column, keeping the order of
// equal findings (as sort.SliceStable does), and returns the sorted
// slice (fs itself, or a new one). fs is made of long ascending runs (the
// files' own findings in file order, then their references to entities
// not found, each file's part sorted by sortPart), so the runs are found
// and merged: a pass or two over fs rather than a full sort.
func sortFindings(fs []Finding) []Finding {
	runs := []int{0}
	for i := 1; i < len(fs); i++ {
		if findingLess(&fs[i], &fs[i-1]) {
			runs = append(runs, i)
		}
	}
	if len(runs) == 1 {
		return fs
	}
	runs = append(runs, len(fs))
	src, dst := fs, make([]Finding, len(fs))
	for len(runs) > 2 {
		next := runs[:0:0]
		for k := 0; k+1 < len(runs); k += 2 {
			lo := runs[k]
			next = append(next, lo)
			if k+2 >= len(runs) {
				copy(dst[lo:], src[lo:runs[k+1]]) // the odd run out
				continue
			}
			mergeRuns(dst[lo:runs[k+2]], src[lo:runs[k+1]], src[runs[k+1]:runs[k+2]])
		}
		runs = append(next, len(fs))
		src, dst = dst, src
	}
	return src
}

// mergeRuns merges the sorted a and b into out, a's first among equals.
func mergeRuns(out, a, b []Finding) {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if findingLess(&b[j], &a[i]) {
			out[k] = b[j]
			j++
		} else {
			out[k] = a[i]
			i++
		}
		k++
	}
	k += copy(out[k:], a[i:])
	copy(out[k:], b[j:])
}

// writeFindings writes the text lines of the findings in parts, in order
// (see appendFinding), formatted on all cores a chunk at a time and
// written in order: each worker formats its next chunk while the chunk
// before it is written, and reuses its buffer. A write error is left to
// the caller's Flush (w is a bufio.Writer).
func writeFindings(w io.Writer, parts [][]Finding) {
	chunks := chunkFindings(parts, 512)
	n := len(chunks)
	workers := min(runtime.GOMAXPROCS(0), n)
	format := func(c int, buf, scratch []byte) ([]byte, []byte) {
		if buf == nil {
			size := 0
			for _, part := range chunks[c] {
				size += textSize(part)
			}
			buf = make([]byte, 0, size)
		}
		buf = buf[:0]
		for _, part := range chunks[c] {
			for i := range part {
				buf, scratch = appendFinding(buf, scratch, &part[i])
			}
		}
		return buf, scratch
	}
	if workers <= 1 {
		var buf, scratch []byte
		for c := range n {
			buf, scratch = format(c, buf, scratch)
			w.Write(buf) //nolint:errcheck // sticky in the bufio.Writer; Flush reports it
		}
		return
	}
	// Worker k takes chunks k, k+workers, ...; chunk c is written once
	// chunk c-1 is (written[c-1] closed), so the output keeps its order.
	written := make([]chan struct{}, n)
	for c := range written {
		written[c] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() {
			var buf, scratch []byte
			for c := k; c < n; c += workers {
				buf, scratch = format(c, buf, scratch)
				if c > 0 {
					<-written[c-1]
				}
				w.Write(buf) //nolint:errcheck // as above
				close(written[c])
			}
		})
	}
	wg.Wait()
}

// chunkFindings cuts parts into chunks of about size findings each (a
// chunk holds pieces of one or more parts), in order.
func chunkFindings(parts [][]Finding, size int) [][][]Finding {
	var chunks [][][]Finding
	var cur [][]Finding
	n := 0
	for _, part := range parts {
		for len(part) > 0 {
			take := min(len(part), size-n)
			cur = append(cur, part[:take])
			part, n = part[take:], n+take
			if n == size {
				chunks, cur, n = append(chunks, cur), nil, 0
			}
		}
	}
	if n > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// textSize is about the size of the text lines of fs, a little more.
func textSize(fs []Finding) int {
	n := 0
	for i := range fs {
		f := &fs[i]
		n += len(f.File) + len(f.Severity) + len(f.Field) + len(f.Message) + len(f.Entity) + len(f.Rule) + 40
	}
	return n
}

// appendFinding appends the text line of f to dst: file:line:col:
// severity: field: message (entity) [rule], the position as
// catalog.Position.String writes it. Every value in it comes from the
// files, so all of it goes through logsafe.Line, as one string. scratch
// is reused from line to line; it is returned for the next call.
func appendFinding(dst, scratch []byte, f *Finding) ([]byte, []byte) {
	b := append(scratch[:0], f.File...)
	if f.Line != 0 {
		b = strconv.AppendInt(append(b, ':'), int64(f.Line), 10)
		if f.Column != 0 {
			b = strconv.AppendInt(append(b, ':'), int64(f.Column), 10)
		}
	}
	b = append(append(append(b, ": "...), f.Severity...), ": "...)
	if f.Field != "" {
		b = append(append(b, f.Field...), ": "...)
	}
	b = append(b, f.Message...)
	if f.Entity != "" {
		b = append(append(append(b, " ("...), f.Entity...), ')')
	}
	if f.Rule != "" {
		b = append(append(append(b, " ["...), f.Rule...), ']')
	}
	dst = append(dst, logsafe.Line(string(b))...)
	return append(dst, '\n'), b
}
