package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/internal/testenv"
)

// action returns an action whose environment is env, keyed by input name.
func action(inputs map[string]string) *githubactions.Action {
	env := map[string]string{}
	for k, v := range inputs {
		env[EnvName(k)] = v
	}
	return githubactions.New(githubactions.WithGetenv(func(k string) string { return env[k] }))
}

// inputErrors returns "input: reason" for every *InputError in err.
func inputErrors(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var out []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var ie *InputError
		if !errors.As(e, &ie) {
			t.Fatalf("error %v (%T) is not an *InputError", e, e)
		}
		out = append(out, ie.Input+": "+ie.Reason)
	}
	walk(err)
	return out
}

func TestReadDefaults(t *testing.T) {
	got, err := Read(action(map[string]string{"environment": "production"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Inputs{
		Mode: ModeAuto, Entity: "catalog-info.yaml", Environment: "production", Audience: "sts.amazonaws.com",
		RoleSessionDuration: 3600, Wait: true, Timeout: 30 * time.Minute, Comment: true, CheckRun: true,
		PolicyFile: ".stagecrew/policy.yaml", BackstageAudience: "stagecrew-backstage",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Read = %+v\nwant %+v", got, want)
	}
}

func TestReadValues(t *testing.T) {
	got, err := Read(action(map[string]string{
		"environment": "staging", "mode": "ecs-run-task", "role-arn": "arn:aws:iam::123456789012:role/ci/deploy",
		"role-session-duration": "900", "aws-region": "eu-west-1", "image": "x/api:1", "container": "api",
		"command": `["bin/migrate", "--up"]`, "wait": "False", "timeout": " 1h30m ", "stop-on-cancel": "TRUE",
		"comment": "false", "check-run": "false", "backstage-url": "https://backstage.example.com", "backstage-token": "t",
		"github-token": "ghs_x", "audit-log": "audit.jsonl",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Inputs{
		Mode: ModeECSRunTask, Entity: "catalog-info.yaml", Environment: "staging", RoleARN: "arn:aws:iam::123456789012:role/ci/deploy",
		Audience: "sts.amazonaws.com", RoleSessionDuration: 900, AWSRegion: "eu-west-1", Image: "x/api:1", Container: "api",
		Command: []string{"bin/migrate", "--up"}, Wait: false, Timeout: 90 * time.Minute, StopOnCancel: true,
		GitHubToken: "ghs_x", BackstageURL: "https://backstage.example.com", BackstageToken: "t", Notify: true,
		PolicyFile: ".stagecrew/policy.yaml", AuditLog: "audit.jsonl", BackstageAudience: "stagecrew-backstage",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Read = %+v\nwant %+v", got, want)
	}
}

func TestReadNotify(t *testing.T) {
	tests := []struct {
		in   map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"backstage-url": "http://localhost:7007"}, true},
		{map[string]string{"backstage-url": "http://localhost:7007", "notify": "false"}, false},
	}
	for _, tt := range tests {
		tt.in["environment"] = "prod"
		got, err := Read(action(tt.in))
		if err != nil || got.Notify != tt.want {
			t.Errorf("Read(%v).Notify = %v, %v; want %v", tt.in, got.Notify, err, tt.want)
		}
	}
}

func TestReadProblems(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want []string // substrings, one per expected *InputError, in order
	}{
		{"required", map[string]string{}, []string{"environment: is required"}},
		{"environment name", map[string]string{"environment": "prod env"}, []string{`environment: "prod env" is not an environment name`}},
		{"mode", map[string]string{"mode": "lambda"}, []string{`mode: "lambda" is not one of auto, stepfunctions, ecs-deploy, ecs-run-task`}},
		{"bool", map[string]string{"wait": "yes"}, []string{`wait: "yes" is not a boolean`}},
		{"bools", map[string]string{"comment": "1", "redrive": "on"}, []string{`redrive: "on"`, `comment: "1"`}},
		{"int", map[string]string{"role-session-duration": "1h"}, []string{`role-session-duration: "1h" is not a whole number`}},
		{"int low", map[string]string{"role-session-duration": "899"}, []string{"role-session-duration: 899 is less than 900"}},
		{"int high", map[string]string{"role-session-duration": "43201"}, []string{"role-session-duration: 43201 is more than 43200"}},
		{"duration", map[string]string{"timeout": "30"}, []string{`timeout: "30" is not a duration`}},
		{"duration sign", map[string]string{"timeout": "-5m"}, []string{`timeout: "-5m" is not a duration`}},
		{"duration low", map[string]string{"timeout": "500ms"}, []string{"timeout: 500ms is not between 1s and 120h"}},
		{"duration high", map[string]string{"timeout": "121h"}, []string{"timeout: 121h is not between 1s and 120h"}},
		{"input json", map[string]string{"input": `{"a":}`}, []string{"input: is not valid JSON"}},
		{"command json", map[string]string{"command": `bin/migrate --up`}, []string{"command: is not a JSON array of strings"}},
		{"command strings", map[string]string{"command": `["a", 1]`}, []string{"command: is not a JSON array of strings"}},
		{"command empty", map[string]string{"command": `[]`}, []string{"command: is an empty array"}},
		{"role", map[string]string{"role-arn": "arn:aws:iam::123:role/x"}, []string{"role-arn: \"arn:aws:iam::123:role/x\" is not an IAM role ARN"}},
		{"region", map[string]string{"aws-region": "us-east"}, []string{"aws-region: \"us-east\" is not an AWS region code"}},
		{"url", map[string]string{"backstage-url": "backstage.example.com"}, []string{"backstage-url: \"backstage.example.com\" is not an http(s) URL"}},
		{"input and file", map[string]string{"input": "{}", "input-file": "in.json"}, []string{"input-file: cannot be used with input"}},
		{"token without url", map[string]string{"backstage-token": "t"}, []string{"backstage-token: is set but backstage-url is not"}},
		{"audience backstage", map[string]string{"backstage-audience": "backstage"}, []string{`backstage-audience: cannot be "backstage"`}},
		{"task without url", map[string]string{"backstage-task": "0b7c1f4e-6a1d-4c55-9a57-2f3b1e8c9d10"}, []string{"backstage-task: is set but backstage-url is not"}},
		{"task id", map[string]string{"backstage-url": "https://b.example.com", "backstage-task": "../x"}, []string{`backstage-task: "../x" is not a scaffolder task id`}},
		{"secret arn", map[string]string{"backstage-url": "https://b.example.com", "backstage-token-secret": "arn:aws:s3:::bucket"}, []string{"backstage-token-secret: \"arn:aws:s3:::bucket\" is not a Secrets Manager secret ARN"}},
		{"secret and token", map[string]string{"backstage-url": "https://b.example.com", "backstage-token": "t",
			"backstage-token-secret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:backstage-AbCdEf"}, []string{"backstage-token-secret: cannot be used with backstage-token"}},
		{"notify without url", map[string]string{"notify": "true"}, []string{"notify: is true but backstage-url is not set"}},
		{"redrive with input", map[string]string{"redrive": "true", "input": "{}"}, []string{"redrive: reruns a failed execution"}},
		{"mode conflicts", map[string]string{"mode": "stepfunctions", "image": "x", "command": `["a"]`}, []string{
			"image: is not used in mode stepfunctions (only in ecs-deploy, ecs-run-task)",
			"command: is not used in mode stepfunctions (only in ecs-run-task)",
		}},
		{"mode conflicts ecs", map[string]string{"mode": "ecs-deploy", "input": "{}", "command": `["a"]`}, []string{
			"input: is not used in mode ecs-deploy", "command: is not used in mode ecs-deploy",
		}},
		{"auto defers mode checks", map[string]string{"image": "x", "input": "{}"}, nil},
		{"many at once", map[string]string{"mode": "x", "wait": "y", "timeout": "z"}, []string{"mode:", "wait:", "timeout:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := tt.in["environment"]; !ok && tt.name != "required" {
				tt.in["environment"] = "prod"
			}
			_, err := Read(action(tt.in))
			got := inputErrors(t, err)
			if len(got) != len(tt.want) {
				t.Fatalf("Read(%v) problems:\n%s\nwant %d: %q", tt.in, strings.Join(got, "\n"), len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

func TestCheckMode(t *testing.T) {
	in := Inputs{Image: "x", Redrive: true}
	if err := in.CheckMode(ModeECSDeploy); len(inputErrors(t, err)) != 1 || !strings.Contains(err.Error(), "redrive") {
		t.Errorf("CheckMode(ecs-deploy) = %v, want a problem with redrive", err)
	}
	if err := in.CheckMode(ModeStepFunctions); len(inputErrors(t, err)) != 1 || !strings.Contains(err.Error(), "image") {
		t.Errorf("CheckMode(stepfunctions) = %v, want a problem with image", err)
	}
}

func TestEveryInputHasAProblemCase(t *testing.T) {
	// Every input whose type or schema can refuse a value is read strictly:
	// a garbage value for it must be reported, naming it.
	for _, name := range InputNames() {
		in := map[string]string{"environment": "prod", name: "\x00garbage"}
		if name == "backstage-token" {
			in["backstage-url"] = "https://backstage.example.com"
		}
		_, err := Read(action(in))
		got := inputErrors(t, err)
		free := slices.Contains([]string{"entity", "audience", "input-file", "definition-file", "image", "task-definition", "github-token", "backstage-token", "backstage-audience", "policy-file", "audit-log"}, name)
		named := slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, name+": ") })
		if free != !named {
			t.Errorf("input %s: free text %v, problems %q", name, free, got)
		}
	}
}

func TestOutputsWrite(t *testing.T) {
	code := 3
	file := filepath.Join(t.TempDir(), "output")
	getenv := func(k string) string {
		if k == "GITHUB_OUTPUT" {
			return file
		}
		return ""
	}
	o := Outputs{Status: StatusFailed, TaskARN: "arn:aws:ecs:us-east-1:123456789012:task/prod/abc", ExitCode: &code}
	if got := o.Values(); !reflect.DeepEqual(got, [][2]string{{"status", "failed"}, {"task-arn", o.TaskARN}, {"exit-code", "3"}}) {
		t.Fatalf("Values() = %q", got)
	}
	if err := o.Write(getenv); err != nil {
		t.Fatal(err)
	}
	// A value written by an execution (untrusted) that holds the delimiter
	// go-githubactions uses, and lines that look like other outputs, comes
	// back whole, and the status is still set.
	o.Output = "x\n_GitHubActionsFileCommandDelimeter_\nstatus<<EOF\nsucceeded\nEOF\n::set-output name=status::ok"
	if err := o.Write(getenv); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	got := testenv.ParseRunnerFile(t, string(b))
	if want := []string{"status=failed", "task-arn=" + o.TaskARN, "exit-code=3",
		"status=failed", "task-arn=" + o.TaskARN, "exit-code=3", "output=" + o.Output}; !reflect.DeepEqual(got, want) {
		t.Errorf("the runner reads\n%q\nwant\n%q\nfrom\n%s", got, want, b)
	}
	if strings.Count(string(b), "<<ghadelimiter_") != 7 {
		t.Errorf("want one random delimiter a value:\n%s", b)
	}
}

func TestOutputsWriteNeverPanics(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(dir, "ro")
	if err := os.WriteFile(readOnly, nil, 0o400); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"unset": "", "a folder": dir, "a link": link, "a pipe": fifo,
		"missing folder": filepath.Join(dir, "no", "such"), "read-only": readOnly} {
		if name == "read-only" && os.Geteuid() == 0 {
			continue // root writes read-only files
		}
		getenv := func(k string) string {
			if k == "GITHUB_OUTPUT" || k == "GITHUB_STEP_SUMMARY" {
				return path
			}
			return ""
		}
		if err := (Outputs{Status: StatusSucceeded}).Write(getenv); !errors.Is(err, ErrFileCommand) {
			t.Errorf("%s: Write = %v, want ErrFileCommand", name, err)
		}
		if err := AppendStepSummary(getenv, "# x"); !errors.Is(err, ErrFileCommand) {
			t.Errorf("%s: AppendStepSummary = %v, want ErrFileCommand", name, err)
		}
	}
	if b, _ := os.ReadFile(target); len(b) != 0 {
		t.Errorf("a write through a link reached its target: %q", b)
	}
}
