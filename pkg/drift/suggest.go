package drift

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// fix is what would remove one finding: an annotation set on an existing
// entity, or a new entity.
type fix struct {
	entity   *entityInfo
	key      string
	old      string // "" to add the annotation
	value    string
	skeleton *skeleton
}

// skeleton is a new entity for resources tagged for it.
type skeleton struct {
	ref   catalog.Ref
	owner string // owner tag value, "" when none
	role  string // the role drift read the first resource with
	arns  []string
}

func newSkeleton(ref catalog.Ref, owner, role, arn string) *skeleton {
	return &skeleton{ref: ref, owner: owner, role: role, arns: []string{arn}}
}

// Change is one catalog file a suggestion writes: an edit of an entity's
// file, or a new file holding entity skeletons.
type Change struct {
	Path   string // as the entity's source names it, or under SuggestOptions.Dir
	Before string // "" for a new file
	After  string
	Notes  []string // what the change does, one line each
}

// SuggestOptions shape Suggest.
type SuggestOptions struct {
	// ReadFile reads a catalog file named by an entity's source. Required
	// to edit existing files; nil proposes new files only.
	ReadFile func(path string) ([]byte, error)
	// Dir is where new entity files go; default "catalog/orphans".
	Dir string
}

// Suggest returns the catalog changes that would remove the report's
// drift where the catalog is what is wrong: a phantom's annotation set to
// the renamed resource tagged for its entity, an annotation added for a
// resource tagged for an entity that does not name it, and a new entity
// for each entity an orphan is tagged for that the catalog lacks (or, for
// an orphan with only a tags-annotation tag, named after the resource).
// It changes nothing, in AWS or on disk; the second result lists the
// fixes it could not write (an entity read from Backstage, a value not
// found on its line).
func Suggest(r *Report, o SuggestOptions) ([]Change, []string) {
	if o.Dir == "" {
		o.Dir = "catalog/orphans"
	}
	var skipped []string
	edits := map[string][]*fix{}
	skeletons := map[string]*skeleton{}
	for i := range r.Findings {
		fx := r.Findings[i].fix
		switch {
		case fx == nil:
		case fx.skeleton != nil:
			k := fx.skeleton.ref.Key()
			if cur, ok := skeletons[k]; ok {
				for _, a := range fx.skeleton.arns {
					if !slices.Contains(cur.arns, a) {
						cur.arns = append(cur.arns, a)
					}
				}
				if cur.owner == "" {
					cur.owner = fx.skeleton.owner
				}
			} else {
				sk := *fx.skeleton
				sk.arns = slices.Clone(sk.arns)
				skeletons[k] = &sk
			}
		case fx.entity != nil:
			file := fx.entity.e.Source.File
			if file == "" || strings.Contains(file, "://") || o.ReadFile == nil {
				skipped = append(skipped, fmt.Sprintf("%s: set %s to %s (the entity was not read from a local file)", fx.entity.ref, fx.key, fx.value))
				continue
			}
			dup := slices.ContainsFunc(edits[file], func(g *fix) bool { return g.entity == fx.entity && g.key == fx.key })
			if !dup {
				edits[file] = append(edits[file], fx)
			}
		}
	}
	var changes []Change
	for _, file := range slices.Sorted(maps.Keys(edits)) {
		c, sk := editFile(file, edits[file], o.ReadFile)
		skipped = append(skipped, sk...)
		if c != nil {
			changes = append(changes, *c)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(skeletons)) {
		sk := skeletons[k]
		name := sk.ref.Name
		if sk.ref.Namespace != "" && sk.ref.Namespace != catalog.DefaultNamespace {
			name = sk.ref.Namespace + "-" + name
		}
		changes = append(changes, Change{Path: path.Join(o.Dir, name+".yaml"), After: sk.yaml(),
			Notes: []string{fmt.Sprintf("new entity %s for %s", sk.ref, strings.Join(sk.arns, ", "))}})
	}
	return changes, skipped
}

// editFile applies the fixes to one file's text, line by line: a value
// replaced on its annotation's line, or a new annotation line after the
// entity's last annotation.
func editFile(file string, fixes []*fix, read func(string) ([]byte, error)) (*Change, []string) {
	data, err := read(file)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: cannot read: %v", file, err)}
	}
	lines := strings.SplitAfter(string(data), "\n")
	var skipped, notes []string
	inserts := map[int][]string{} // after line index → new lines
	slices.SortFunc(fixes, func(a, b *fix) int { return cmp.Compare(a.key, b.key) })
	for _, fx := range fixes {
		e := fx.entity.e
		if fx.old != "" {
			pos := e.Position("metadata", "annotations", fx.key)
			i := pos.Line - 1
			if i < 0 || i >= len(lines) || !strings.Contains(lines[i], fx.old) {
				skipped = append(skipped, fmt.Sprintf("%s: set %s to %s (the old value is not on one line of %s)", fx.entity.ref, fx.key, fx.value, file))
				continue
			}
			lines[i] = strings.Replace(lines[i], fx.old, fx.value, 1)
			notes = append(notes, fmt.Sprintf("%s: %s: %s -> %s", fx.entity.ref, fx.key, fx.old, fx.value))
			continue
		}
		last, indent := lastAnnotationLine(e, lines)
		if last < 0 {
			skipped = append(skipped, fmt.Sprintf("%s: add %s: %s (no annotation line to add it after in %s)", fx.entity.ref, fx.key, fx.value, file))
			continue
		}
		inserts[last] = append(inserts[last], indent+fx.key+": "+strconv.Quote(fx.value)+"\n")
		notes = append(notes, fmt.Sprintf("%s: add %s: %s", fx.entity.ref, fx.key, fx.value))
	}
	if len(notes) == 0 {
		return nil, skipped
	}
	var b strings.Builder
	for i, l := range lines {
		b.WriteString(l)
		if add := inserts[i]; len(add) > 0 {
			if !strings.HasSuffix(l, "\n") {
				b.WriteString("\n")
			}
			for _, a := range add {
				b.WriteString(a)
			}
		}
	}
	return &Change{Path: file, Before: string(data), After: b.String(), Notes: notes}, skipped
}

// lastAnnotationLine returns the 0-based index of the last line of the
// entity's annotations (one line each) and their indentation.
func lastAnnotationLine(e *catalog.Entity, lines []string) (int, string) {
	last, indent := -1, ""
	for k := range e.Metadata.Annotations {
		p := e.Position("metadata", "annotations", k)
		i := p.Line - 1
		if i < 0 || i >= len(lines) || i <= last {
			continue
		}
		last = i
		l := lines[i]
		indent = l[:len(l)-len(strings.TrimLeft(l, " "))]
	}
	return last, indent
}

var reBadName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// yaml writes the skeleton as a catalog file.
func (sk *skeleton) yaml() string {
	var b strings.Builder
	name := strings.Trim(reBadName.ReplaceAllString(sk.ref.Name, "-"), "-_.")
	if len(name) > 63 {
		name = strings.Trim(name[:63], "-_.")
	}
	fmt.Fprintf(&b, "# Proposed by 'stagecrew drift --suggest' for resources tagged for %s\n", sk.ref)
	b.WriteString("# that the catalog does not describe. Review the owner, type, environments\n# and role before merging.\n")
	kind := catalog.KindComponent
	if strings.EqualFold(sk.ref.Kind, "resource") {
		kind = "Resource"
	}
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: " + kind + "\nmetadata:\n")
	fmt.Fprintf(&b, "  name: %s\n", name)
	if sk.ref.Namespace != "" && sk.ref.Namespace != catalog.DefaultNamespace {
		fmt.Fprintf(&b, "  namespace: %s\n", sk.ref.Namespace)
	}
	b.WriteString("  annotations:\n")
	if sk.role != "" {
		fmt.Fprintf(&b, "    # the role drift read this account with: check it may deploy this entity\n    %s: %s\n", annotations.KeyRoleARN, strconv.Quote(sk.role))
	}
	var extra []string
	usedSvc, usedSM := false, false
	for _, a := range sk.arns {
		switch {
		case isServiceARN(a) && !usedSvc:
			usedSvc = true
			fmt.Fprintf(&b, "    %s: %s\n", annotations.KeyECSServiceARN, strconv.Quote(a))
		case !isServiceARN(a) && !usedSM:
			usedSM = true
			fmt.Fprintf(&b, "    %s: %s\n", annotations.KeyStateMachineARN, strconv.Quote(a))
		default:
			extra = append(extra, a)
		}
	}
	for _, a := range extra {
		fmt.Fprintf(&b, "    # also tagged for this entity (another environment?): %s\n", a)
	}
	owner := "unknown # no " + TagOwner + " tag: set the owning group"
	if sk.owner != "" {
		owner = strconv.Quote(sk.owner)
	}
	fmt.Fprintf(&b, "spec:\n  type: service\n  lifecycle: production\n  owner: %s\n", owner)
	return b.String()
}

// Patch formats changes as one patch git apply takes: paths relative to
// the repository root (rel turns a Change's Path into one; nil keeps it).
func Patch(changes []Change, rel func(string) string) string {
	if rel == nil {
		rel = func(p string) string { return p }
	}
	var b strings.Builder
	for _, c := range changes {
		p := strings.TrimPrefix(path.Clean(strings.ReplaceAll(rel(c.Path), `\`, "/")), "/")
		for _, n := range c.Notes {
			b.WriteString("# " + strings.ReplaceAll(n, "\n", " ") + "\n")
		}
		fmt.Fprintf(&b, "diff --git a/%s b/%s\n", p, p)
		from := "a/" + p
		if c.Before == "" {
			b.WriteString("new file mode 100644\n")
			from = "/dev/null"
		}
		b.WriteString(UnifiedDiff(from, "b/"+p, c.Before, c.After, 3))
	}
	return b.String()
}
