package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagecrew/stagecrew/internal/testenv"
)

// installer runs install-stagecrew.sh as a composite step does: bash, the
// runner's variables, and the action's checksums.txt.
type installer struct {
	script, checksums, toolCache, temp, output string
	env                                        []string
}

func newInstaller(t *testing.T, rel *releaseServer, checksums string) *installer {
	t.Helper()
	runnerOS, runnerArch, _, _ := hostPlatform(t)
	dir := t.TempDir()
	in := &installer{
		script:    filepath.Join(testenv.RepoRoot(t), "install-stagecrew.sh"),
		checksums: filepath.Join(dir, "action", "checksums.txt"),
		toolCache: filepath.Join(dir, "tool-cache"),
		temp:      filepath.Join(dir, "temp"),
		output:    filepath.Join(dir, "output.txt"),
	}
	for _, d := range []string{filepath.Dir(in.checksums), in.toolCache, in.temp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if checksums != "" {
		if err := os.WriteFile(in.checksums, []byte(checksums), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"RUNNER_OS=" + runnerOS, "RUNNER_ARCH=" + runnerArch, "RUNNER_TOOL_CACHE=" + in.toolCache, "RUNNER_TEMP=" + in.temp,
		"STAGECREW_CHECKSUMS=" + in.checksums, "STAGECREW_RELEASE_URL=" + rel.URL, "STAGECREW_ACTION_REPOSITORY=stagecrew/stagecrew"}
	return in
}

// run runs the script once and returns its log, exit code and outputs.
func (in *installer) run(t *testing.T, extraEnv ...string) (log string, code int, outputs map[string]string) {
	t.Helper()
	os.Remove(in.output)
	cmd := exec.Command("bash", in.script)
	cmd.Env = append(append(append([]string(nil), in.env...), "GITHUB_OUTPUT="+in.output), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	outputs = map[string]string{}
	b, _ := os.ReadFile(in.output)
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			outputs[k] = v
		}
	}
	return out.String(), code, outputs
}

// fakeRelease publishes version's archive for this platform, holding a
// shell script in place of the binary (the script's checks do not depend
// on what the binary is; TestAct* run the real one), and returns the
// checksums.txt that pins it and the archive.
func fakeRelease(t *testing.T, rel *releaseServer, version string) (checksums string, archive []byte) {
	t.Helper()
	_, _, goos, goarch := hostPlatform(t)
	archive = tarGz(t, map[string][]byte{"stagecrew": []byte("#!/bin/sh\necho \"fake stagecrew " + version + " $*\"\n"), "README.md": []byte("readme")})
	name := archiveName(version, goos, goarch)
	rel.publish(version, name, archive)
	other := tarGz(t, map[string][]byte{"stagecrew.exe": []byte("windows")})
	return checksumLine("stagecrew_"+version+"_windows_amd64.tar.gz", other) + checksumLine(name, archive), archive
}

// TestInstallVerifiesAndCaches: the pinned archive is downloaded once,
// verified, kept in the tool cache, and the next step takes it from there;
// the binary extracted is the archive's.
func TestInstallVerifiesAndCaches(t *testing.T) {
	rel := startReleaseServer(t)
	sums, _ := fakeRelease(t, rel, "1.2.3")
	in := newInstaller(t, rel, sums)

	log, code, out := in.run(t)
	if code != 0 || out["source"] != "release" || out["path"] == "" {
		t.Fatalf("first install: code %d, outputs %v\n%s", code, out, log)
	}
	got, err := exec.Command(out["path"], "version").Output()
	if err != nil || string(got) != "fake stagecrew 1.2.3 version\n" {
		t.Fatalf("the installed binary ran %q, %v", got, err)
	}
	if !strings.Contains(log, "verified (release)") {
		t.Errorf("log does not say it verified:\n%s", log)
	}
	_, _, goos, goarch := hostPlatform(t)
	cacheArch := map[string]string{"amd64": "x64", "arm64": "arm64"}[goarch]
	if _, err := os.Stat(filepath.Join(in.toolCache, "stagecrew", "1.2.3", cacheArch, archiveName("1.2.3", goos, goarch))); err != nil {
		t.Errorf("the archive is not in the tool cache: %v", err)
	}
	if _, err := os.Stat(filepath.Join(in.toolCache, "stagecrew", "1.2.3", cacheArch+".complete")); err != nil {
		t.Errorf("no .complete marker (as @actions/tool-cache writes): %v", err)
	}

	log, code, out2 := in.run(t)
	if code != 0 || out2["source"] != "cache" || out2["path"] == out["path"] {
		t.Fatalf("second install: code %d, outputs %v\n%s", code, out2, log)
	}
	if n := len(rel.Requests()); n != 1 {
		t.Errorf("%d downloads for two installs, want 1: %v", n, rel.Requests())
	}
}

// TestInstallRefusesTamperedRelease: bytes that do not match the pinned
// checksum fail the step with a clear message; nothing is extracted, kept
// or run.
func TestInstallRefusesTamperedRelease(t *testing.T) {
	rel := startReleaseServer(t)
	sums, archive := fakeRelease(t, rel, "1.2.3")
	_, _, goos, goarch := hostPlatform(t)
	tampered := tarGz(t, map[string][]byte{"stagecrew": []byte("#!/bin/sh\necho pwned\n")})
	rel.publish("1.2.3", archiveName("1.2.3", goos, goarch), tampered)
	in := newInstaller(t, rel, sums)

	log, code, out := in.run(t)
	if code == 0 || out["path"] != "" {
		t.Fatalf("a tampered archive was accepted: code %d, outputs %v\n%s", code, out, log)
	}
	if !strings.Contains(log, "::error title=stagecrew::checksum mismatch for "+archiveName("1.2.3", goos, goarch)) ||
		!strings.Contains(log, "nothing was run") || !strings.Contains(log, checksumLine("x", archive)[:64]) {
		t.Errorf("the message does not say what mismatched:\n%s", log)
	}
	found := false
	for _, root := range []string{in.temp, in.toolCache} {
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				found = true
				t.Errorf("left behind: %s", p)
			}
			return nil
		})
	}
	_ = found
}

// TestInstallRechecksTheCache: a cached archive that no longer matches (a
// self-hosted runner's cache outlives jobs) is downloaded again, not run.
func TestInstallRechecksTheCache(t *testing.T) {
	rel := startReleaseServer(t)
	sums, _ := fakeRelease(t, rel, "1.2.3")
	in := newInstaller(t, rel, sums)
	if _, code, _ := in.run(t); code != 0 {
		t.Fatal("first install failed")
	}
	_, _, goos, goarch := hostPlatform(t)
	cacheArch := map[string]string{"amd64": "x64", "arm64": "arm64"}[goarch]
	cached := filepath.Join(in.toolCache, "stagecrew", "1.2.3", cacheArch, archiveName("1.2.3", goos, goarch))
	if err := os.WriteFile(cached, tarGz(t, map[string][]byte{"stagecrew": []byte("#!/bin/sh\necho pwned\n")}), 0o644); err != nil {
		t.Fatal(err)
	}
	log, code, out := in.run(t)
	if code != 0 || out["source"] != "release" || !strings.Contains(log, "::warning title=stagecrew::The tool cache holds a different") {
		t.Fatalf("code %d, outputs %v\n%s", code, out, log)
	}
	got, _ := exec.Command(out["path"]).Output()
	if !strings.HasPrefix(string(got), "fake stagecrew 1.2.3") {
		t.Errorf("ran %q", got)
	}
}

// TestInstallFallsBack: a ref with no checksums.txt, or a release without
// this platform, asks for the source build and says why; a release that
// cannot be downloaded, or a checksums.txt naming two archives for the
// platform, fails the step.
func TestInstallFallsBack(t *testing.T) {
	rel := startReleaseServer(t)
	in := newInstaller(t, rel, "")
	log, code, out := in.run(t)
	if code != 0 || out["path"] != "" || out["source"] != "build" || !strings.Contains(log, "::notice title=stagecrew::This ref of the action has no release") {
		t.Errorf("no checksums.txt: code %d, outputs %v\n%s", code, out, log)
	}

	in = newInstaller(t, rel, checksumLine("stagecrew_1.2.3_plan9_amd64.tar.gz", []byte("x")))
	log, code, out = in.run(t)
	if code != 0 || out["path"] != "" || !strings.Contains(log, "has no archive for") {
		t.Errorf("no archive for the platform: code %d, outputs %v\n%s", code, out, log)
	}
	log, code, out = in.run(t, "RUNNER_ARCH=ARM")
	if code != 0 || out["path"] != "" || !strings.Contains(log, "No release binary for runner architecture 'ARM'") {
		t.Errorf("32-bit ARM: code %d, outputs %v\n%s", code, out, log)
	}

	_, _, goos, goarch := hostPlatform(t)
	in = newInstaller(t, rel, checksumLine(archiveName("9.9.9", goos, goarch), []byte("never published")))
	log, code, _ = in.run(t)
	if code == 0 || !strings.Contains(log, "could not download "+rel.URL+"/v9.9.9/") {
		t.Errorf("missing release: code %d\n%s", code, log)
	}

	in = newInstaller(t, rel, checksumLine(archiveName("1.0.0", goos, goarch), []byte("a"))+checksumLine(archiveName("1.0.1", goos, goarch), []byte("b")))
	log, code, _ = in.run(t)
	if code == 0 || !strings.Contains(log, "names 2 archives") {
		t.Errorf("two archives: code %d\n%s", code, log)
	}
}
