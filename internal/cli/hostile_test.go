package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"
)

// buildBinary builds the real stagecrew binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "stagecrew")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/stagecrew")
	cmd.Dir = moduleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

const hostileEntity = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: "bad\n::add-mask::entity"
  annotations:
    github.com/project-slug: "o/r\n::add-mask::slug"
spec:
  type: service
  lifecycle: production
  owner: "group:x\r::error::owner"
  dependsOn: ["component:a\r::error::dep", "component:b\n::add-mask::dep", "##[add-mask]dep"]
`

// hostileTree is a repository a pull request could commit: hostile names,
// entity values, special files and links, and large content under the
// size limit.
func hostileTree(t *testing.T) string {
	t.Helper()
	parent := t.TempDir()
	root := filepath.Join(parent, "repo")
	files := map[string]string{
		"catalog-info.yaml":         groupYAML + "---\n" + componentYAML,
		"a\n::add-mask::x\n.yaml":   hostileEntity,
		"##[add-mask]x.yaml":        hostileEntity,
		"\x1b[31mred\u202e.yaml":    hostileEntity,
		"lit[1].yaml":               groupYAML,
		"sm/a\n::error::.asl.json":  `{"StartAt": "\n::error::start", "States": {"\u001b[31m::add-mask::s": {"Type": "Pass", "Next": "\r::warning::next"}}}`,
		"svc/catalog-info.yaml":     hostileEntity,
		"big/dashes.yaml":           "apiVersion: backstage.io/v1alpha1\nkind: X\n" + strings.Repeat("---\n", (8<<20)/4-20),
		"big/invalid.yaml":          strings.Repeat("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: \"x\\n::add-mask::y\"\n---\n", 20000),
		"big/flow.yaml":             "apiVersion: v1\nkind: Component\nmetadata: {name: x}\nspec:\n  dependsOn: [" + strings.Repeat("a,", 1<<20) + "]\n",
		"big/long.yaml":             "apiVersion: v1\nkind: Component\nmetadata:\n  name: " + strings.Repeat("::add-mask::", 300000) + "\n",
		"big/deep.yaml":             "apiVersion: v1\nkind: X\nx: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n",
		"dir.yaml/inner.yaml":       groupYAML,
		"templates/t/template.yaml": "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: \"t\\n::add-mask::tpl\"\nspec:\n  type: service\n  steps: []\n",
		"../outside.yaml":           groupYAML,
		"../secret-token.yaml":      "apiVersion: v1\nkind: Secret\nmetadata: {name: SECRETVALUE}\n",
		"big/too-large.yaml":        "apiVersion: v1\nkind: X\n" + strings.Repeat("#", 8<<20),
	}
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, err := range []error{
		syscall.Mkfifo(filepath.Join(root, "fifo.yaml"), 0o644),
		syscall.Mkfifo(filepath.Join(root, "svc", "catalog-info.yml"), 0o644),
		os.Symlink("/dev/zero", filepath.Join(root, "zero.yaml")),
		os.Symlink("/dev/urandom", filepath.Join(root, "random.yaml")),
		os.Symlink("gone.yaml", filepath.Join(root, "dangling.yaml")),
		os.Symlink("../secret-token.yaml", filepath.Join(root, "out.yaml")),
		os.Symlink("loop.yaml", filepath.Join(root, "loop.yaml")),
		os.Symlink("fifo.yaml", filepath.Join(root, "to-fifo.yaml")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestHostileRepository runs the real binary over a hostile tree with every
// command that reads repository files. None may hang, die (exit 2 where a
// finding is due), read outside the tree, or print a line the runner would
// take as a workflow command or a raw control character.
func TestHostileRepository(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and reads 40 MB of hostile files")
	}
	bin := buildBinary(t)
	root := hostileTree(t)
	entityName := "a\n::add-mask::x\n.yaml"
	cases := []struct {
		name  string
		args  []string
		codes []int // allowed exit codes
	}{
		{"validate tree", []string{"validate", root}, []int{ExitInvalid}},
		{"validate tree json", []string{"validate", "--format", "json", root}, []int{ExitInvalid}},
		{"validate strict", []string{"validate", "--strict", root}, []int{ExitInvalid}},
		{"validate named pipe", []string{"validate", filepath.Join(root, "fifo.yaml")}, []int{ExitInvalid}},
		{"validate named /dev/zero link", []string{"validate", filepath.Join(root, "zero.yaml")}, []int{ExitInvalid}},
		{"validate named dangling link", []string{"validate", filepath.Join(root, "dangling.yaml")}, []int{ExitInvalid}},
		{"validate hostile name", []string{"validate", filepath.Join(root, entityName)}, []int{ExitInvalid}},
		{"validate legacy-command name", []string{"validate", filepath.Join(root, "##[add-mask]x.yaml")}, []int{ExitInvalid}},
		{"validate literal bracket name", []string{"validate", filepath.Join(root, "lit[1].yaml")}, []int{ExitOK}},
		{"validate large files", []string{"validate", filepath.Join(root, "big")}, []int{ExitInvalid}},
		{"asl validate tree", []string{"asl", "validate", root}, []int{ExitInvalid}},
		{"asl validate json", []string{"asl", "validate", "--format", "json", filepath.Join(root, "sm")}, []int{ExitInvalid}},
		{"asl validate named pipe", []string{"asl", "validate", filepath.Join(root, "fifo.yaml")}, []int{ExitInvalid}},
		{"asl validate named /dev/zero link", []string{"asl", "validate", filepath.Join(root, "zero.yaml")}, []int{ExitInvalid}},
		{"asl validate hostile name", []string{"asl", "validate", filepath.Join(root, entityName)}, []int{ExitInvalid}},
		{"template lint tree", []string{"template", "lint", root}, []int{ExitInvalid}},
		{"template lint json", []string{"template", "lint", "--format", "json", root}, []int{ExitInvalid}},
		{"template lint named pipe", []string{"template", "lint", filepath.Join(root, "fifo.yaml")}, []int{ExitInvalid}},
		{"iam trust-policy pipe", []string{"iam", "trust-policy", "--entity", filepath.Join(root, "fifo.yaml"), "--environment", "prod"}, []int{ExitUsage}},
		{"iam trust-policy /dev/zero", []string{"iam", "trust-policy", "--entity", filepath.Join(root, "zero.yaml"), "--environment", "prod"}, []int{ExitUsage}},
		{"iam trust-policy hostile entity", []string{"iam", "trust-policy", "--entity", filepath.Join(root, entityName), "--environment", "prod\n::warning::env"}, []int{ExitInvalid, ExitUsage}},
		{"iam trust-policy hostile name flag", []string{"iam", "trust-policy", "--entity", filepath.Join(root, "big", "invalid.yaml"), "--name", "x\n::add-mask::n", "--environment", "prod"}, []int{ExitUsage}},
		{"iam trust-policy many entities", []string{"iam", "trust-policy", "--entity", filepath.Join(root, "catalog-info.yaml"), "--environment", "##[add-mask]env"}, []int{ExitUsage}},
		{"iam permissions pipe", []string{"iam", "permissions", "--entity", filepath.Join(root, "fifo.yaml"), "--environment", "prod"}, []int{ExitUsage}},
		{"iam permissions hostile", []string{"iam", "permissions", "--entity", filepath.Join(root, "##[add-mask]x.yaml"), "--environment", "prod", "--task-definition", filepath.Join(root, "zero.yaml")}, []int{ExitInvalid, ExitUsage}},
		{"schema check over a pipe", []string{"schema", "generate", "--check", "--root", root, "--dir", "fifo.yaml"}, []int{ExitInvalid, ExitUsage}},
		{"unknown command", []string{"\n::add-mask::cmd"}, []int{ExitUsage}},
		{"drift tree", []string{"drift", "--endpoint-url", "http://127.0.0.1:1", root}, []int{ExitUsage}},
		{"drift named pipe", []string{"drift", filepath.Join(root, "fifo.yaml")}, []int{ExitUsage}},
		{"drift markdown hostile name", []string{"drift", "--format", "markdown", "--endpoint-url", "http://127.0.0.1:1", filepath.Join(root, "##[add-mask]x.yaml")}, []int{ExitOK, ExitUsage}},
		{"drift suggest over a pipe", []string{"drift", "--suggest", filepath.Join(root, "fifo.yaml"), "--endpoint-url", "http://127.0.0.1:1", filepath.Join(root, "catalog-info.yaml")}, []int{ExitOK, ExitUsage}},
	}
	for _, gha := range []bool{false, true} {
		for _, c := range cases {
			name := c.name
			if gha {
				name += " in Actions"
			}
			t.Run(name, func(t *testing.T) {
				code, stdout, stderr := runBinary(t, bin, root, gha, c.args...)
				if !containsInt(c.codes, code) {
					t.Errorf("exit %d, want one of %v\nstderr: %s", code, c.codes, clipForTest(stderr))
				}
				checkRunnerSafe(t, "stdout", stdout, gha)
				checkRunnerSafe(t, "stderr", stderr, false)
				if strings.Contains(stdout+stderr, "SECRETVALUE") {
					t.Error("a file outside the tree was read")
				}
				if len(stdout)+len(stderr) > 4<<20 {
					t.Errorf("%d bytes of output", len(stdout)+len(stderr))
				}
			})
		}
	}
}

// TestHostileRepositoryFindings: the special files show up as findings
// beside the real results, the literal bracket name is a file, and the
// summary is honest about what the caps left out.
func TestHostileRepositoryFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	root := hostileTree(t)
	_, stdout, _ := runBinary(t, bin, root, false, "validate", root)
	for _, want := range []string{
		"fifo.yaml: warning: not read: not a regular file (a named pipe)",
		"svc/catalog-info.yml: error: not read: not a regular file (a named pipe)",
		"zero.yaml: warning: not read: symbolic link leads outside the tree",
		"out.yaml: warning: not read: symbolic link leads outside the tree",
		"dangling.yaml: warning: not read: dangling symbolic link",
		"too-large.yaml: warning: not read: file too large",
		`a\n::add-mask::x\n.yaml:4:9: error: metadata.name: "bad\n::add-mask::entity" is not a valid name`,
		"dashes.yaml:20002: error: file holds more than 20000 YAML documents",
		"more findings not listed",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	code, stdout, stderr := runBinary(t, bin, root, false, "validate", filepath.Join(root, "lit[1].yaml"))
	if code != ExitOK || !strings.Contains(stdout, "1 entity in 1 file") {
		t.Errorf("literal name with [: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = runBinary(t, bin, root, false, "iam", "trust-policy", "--entity", filepath.Join(root, "big", "invalid.yaml"), "--environment", "prod")
	if code != ExitUsage || len(stderr) > maxErrorLen+200 {
		t.Errorf("iam over 20,000 entities: exit %d, %d bytes of stderr", code, len(stderr))
	}
}

func runBinary(t *testing.T, bin, dir string, gha bool, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	if gha {
		cmd.Env = append(cmd.Env, "GITHUB_ACTIONS=true", "GITHUB_WORKSPACE="+dir)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v did not finish in 60 s (hung)", args)
	}
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr.String(), "goroutine ") || strings.Contains(stderr.String(), "out of memory") {
		t.Fatalf("%v crashed:\n%s", args, clipForTest(stderr.String()))
	}
	return code, stdout.String(), stderr.String()
}

// checkRunnerSafe fails for a line a GitHub runner would act on: one that
// starts a workflow command (after white space, as the runner trims it) or
// holds the legacy "##[" form, or a raw CR, ESC or other control or bidi
// character. With annotations on, stagecrew's own ::error and ::warning
// lines are allowed; go-githubactions escapes their data.
func checkRunnerSafe(t *testing.T, stream, out string, annotations bool) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
		ours := annotations && (strings.HasPrefix(line, "::error ") || strings.HasPrefix(line, "::warning ") ||
			strings.HasPrefix(line, "::error::") || strings.HasPrefix(line, "::warning::"))
		if strings.HasPrefix(trimmed, "::") && !ours {
			t.Errorf("%s line %d starts a workflow command: %q", stream, i+1, clipForTest(line))
		}
		if strings.Contains(line, "##[") && !ours {
			t.Errorf("%s line %d holds a legacy command: %q", stream, i+1, clipForTest(line))
		}
		for _, r := range line {
			if (r < 0x20 && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' ||
				(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
				t.Errorf("%s line %d holds control character %U: %q", stream, i+1, r, clipForTest(line))
				break
			}
		}
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func clipForTest(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}
