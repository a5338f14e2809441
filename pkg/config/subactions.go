package config

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// InstallScript is the script, at the repository root, that every
// action.yml runs first: it installs the release binary pinned by the
// action's ref (ChecksumsFile), verified, or asks for a build from source.
const InstallScript = "install-stagecrew.sh"

// ChecksumsFile is the file a release tag carries at the repository root:
// the SHA-256 of every archive of the release, as GoReleaser writes it.
const ChecksumsFile = "checksums.txt"

// ActionSpec describes one action.yml stagecrew ships: the root action or
// a sub-action under actions/. Every one runs the same steps: install the
// verified release binary (or build it from source when the ref has no
// release), then run a stagecrew command with its inputs in env:.
type ActionSpec struct {
	Dir         string // the folder under the repository root; "" for the root action
	Name        string
	Description string
	Icon        string
	// Inputs names the inputs of Inputs the action takes, in order; nil
	// takes them all.
	Inputs []string
	// Extra is a struct of inputs of its own (CredentialsInputs,
	// ValidateInputs), after Inputs; nil for none.
	Extra any
	// Outputs names the outputs of Outputs the action has; ExtraOutputs is
	// a struct of outputs of its own, used instead when set.
	Outputs      []string
	ExtraOutputs any
	// Mode is set as INPUT_MODE when the action stands for one mode.
	Mode string
	// Run is the script of the run step, which reads only its env:.
	Run string
}

// File is the path of the action's metadata file under the repository root.
func (s ActionSpec) File() string { return path.Join(s.Dir, "action.yml") }

// up is the relative path from the action's folder to the repository root.
func (s ActionSpec) up() string {
	if s.Dir == "" {
		return ""
	}
	return strings.Repeat("/..", strings.Count(s.Dir, "/")+1)
}

// modeInputs lists the inputs of Inputs that apply in mode, without mode.
func modeInputs(mode string) []string {
	var names []string
	for _, n := range InputNames() {
		if modes, ok := onlyFor[n]; n == "mode" || ok && !slices.Contains(modes, mode) {
			continue
		}
		names = append(names, n)
	}
	return names
}

// CredentialsInputNames are the inputs of Inputs that actions/credentials
// takes: who acts on which entity in which environment, and where the
// facts are read. Nothing that starts, waits or reports.
var CredentialsInputNames = []string{"entity", "environment", "role-arn", "audience", "role-session-duration", "aws-region",
	"github-token", "backstage-url", "backstage-token", "backstage-audience", "backstage-token-secret", "backstage-task",
	"policy-file", "audit-log"}

const validateScript = `set -euf
args=(--format "$INPUT_FORMAT")
case "$INPUT_STRICT" in
  true|True|TRUE) args+=(--strict) ;;
  false|False|FALSE|'') ;;
  *) echo "::error title=stagecrew validate::input strict must be true or false"; exit 2 ;;
esac
paths=()
for p in $INPUT_PATHS; do paths+=("$p"); done
exec "$STAGECREW_BIN" validate "${args[@]}" -- "${paths[@]}"
`

// Actions lists every action.yml stagecrew ships, the root first.
func Actions() []ActionSpec {
	run := "exec \"$STAGECREW_BIN\" action run\n"
	return []ActionSpec{
		{Name: "stagecrew", Icon: "play-circle",
			Description: "Deploy a Backstage entity to AWS Step Functions or ECS with GitHub OIDC, wait, and report to the PR and Backstage.",
			Run:         run},
		{Dir: "actions/start-execution", Name: "stagecrew start-execution", Icon: "play",
			Description: "Start the Backstage entity's AWS Step Functions state machine with GitHub OIDC, after the policy allows it; wait, and report to the PR and Backstage.",
			Inputs:      modeInputs(ModeStepFunctions), Mode: ModeStepFunctions, Run: run,
			Outputs: []string{"status", "execution-arn", "console-url", "output", "audit-record"}},
		{Dir: "actions/deploy-service", Name: "stagecrew deploy-service", Icon: "upload-cloud",
			Description: "Deploy a new task definition (or image) to the Backstage entity's ECS service with GitHub OIDC, after the policy allows it; wait for the rollout, and report to the PR and Backstage.",
			Inputs:      modeInputs(ModeECSDeploy), Mode: ModeECSDeploy, Run: run,
			Outputs: []string{"status", "deployment-id", "task-definition-arn", "codedeploy-deployment-id", "console-url", "audit-record"}},
		{Dir: "actions/run-task", Name: "stagecrew run-task", Icon: "terminal",
			Description: "Run a one-off ECS task (a migration, a backfill) for the Backstage entity with GitHub OIDC, after the policy allows it; wait for its exit code, and report to the PR and Backstage.",
			Inputs:      modeInputs(ModeECSRunTask), Mode: ModeECSRunTask, Run: run,
			Outputs: []string{"status", "task-arn", "exit-code", "console-url", "audit-record"}},
		{Dir: "actions/credentials", Name: "stagecrew credentials", Icon: "key",
			Description: "Export AWS credentials of the Backstage entity's role for an environment to later steps, after the same OIDC verification, policy decision and audit record as the stagecrew action.",
			Inputs:      CredentialsInputNames, Extra: CredentialsInputs{}, ExtraOutputs: CredentialsOutputs{},
			Run: "exec \"$STAGECREW_BIN\" action credentials\n"},
		{Dir: "actions/validate", Name: "stagecrew validate", Icon: "check-circle",
			Description: "Check Backstage catalog files the way Backstage does, and stagecrew's annotations, with annotations on the diff.",
			Inputs:      []string{}, Extra: ValidateInputs{}, Outputs: []string{}, Run: validateScript},
	}
}

// ActionFiles renders every action.yml of Actions, by path.
func ActionFiles() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, s := range Actions() {
		b, err := RenderAction(s)
		if err != nil {
			return nil, fmt.Errorf("config: %s: %w", s.File(), err)
		}
		files[s.File()] = b
	}
	return files, nil
}

// RenderAction renders the metadata of one action: name, description,
// branding, its inputs and outputs with their descriptions and defaults, and
// the composite run: the install script (the release binary the ref pins,
// verified), setup-go and a build from the action's own checkout only when
// the ref has no release, then the run step with every input mapped into
// env: as INPUT_<NAME> (never pasted into a script).
func RenderAction(s ActionSpec) ([]byte, error) {
	fs, err := fields()
	if err != nil {
		return nil, err
	}
	var ins []*field
	if s.Inputs == nil {
		ins = fs.inputs
	} else {
		for _, name := range s.Inputs {
			i := slices.IndexFunc(fs.inputs, func(f *field) bool { return f.Name == name })
			if i < 0 {
				return nil, fmt.Errorf("no input %q in Inputs", name)
			}
			ins = append(ins, fs.inputs[i])
		}
	}
	if s.Extra != nil {
		extra, err := extraFields(s.Extra)
		if err != nil {
			return nil, err
		}
		ins = append(ins, extra...)
	}
	var outs []*field
	switch {
	case s.ExtraOutputs != nil:
		if outs, err = extraFields(s.ExtraOutputs); err != nil {
			return nil, err
		}
	case s.Outputs == nil:
		outs = fs.outputs
	default:
		for _, name := range s.Outputs {
			i := slices.IndexFunc(fs.outputs, func(f *field) bool { return f.Name == name })
			if i < 0 {
				return nil, fmt.Errorf("no output %q in Outputs", name)
			}
			outs = append(outs, fs.outputs[i])
		}
	}

	inputs := mapping()
	env := mapping("STAGECREW_BIN", "${{ steps.install.outputs.path || steps.build.outputs.path }}")
	if s.Mode != "" {
		env.Content = append(env.Content, str(EnvName("mode")), str(s.Mode))
	}
	for _, f := range ins {
		in := mapping("description", f.Description(), "required", f.Required)
		if d := f.Default(); d != "" {
			in.Content = append(in.Content, str("default"), str(d))
		}
		inputs.Content = append(inputs.Content, str(f.Name), in)
		env.Content = append(env.Content, str(EnvName(f.Name)), str("${{ inputs."+f.Name+" }}"))
	}
	outputs := mapping()
	for _, f := range outs {
		outputs.Content = append(outputs.Content, str(f.Name), mapping(
			"description", f.Description(),
			"value", "${{ steps.run.outputs."+f.Name+" }}"))
	}
	root := "${{ github.action_path }}" + s.up()
	noRelease := "steps.install.outputs.path == ''"
	steps := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{
		mapping("name", "Install stagecrew (the release binary this ref pins, verified)", "id", "install", "shell", "bash",
			"env", mapping("STAGECREW_CHECKSUMS", root+"/"+ChecksumsFile, "STAGECREW_ACTION_REPOSITORY", "${{ github.action_repository }}"),
			"run", literal(fmt.Sprintf("bash \"$GITHUB_ACTION_PATH%s/%s\"\n", s.up(), InstallScript))),
		mapping("name", "Set up Go (no release at this ref)", "if", noRelease, "uses", setupGo(), "with", mapping(
			"go-version-file", root+"/go.mod",
			"cache-dependency-path", root+"/go.sum")),
		mapping("name", "Build stagecrew from source (no release at this ref)", "id", "build", "if", noRelease, "shell", "bash",
			"run", literal(buildScript(s.up()))),
	}}
	last := mapping("name", "Run stagecrew", "id", "run", "shell", "bash", "env", env, "run", literal(s.Run))
	if len(outs) == 0 {
		last = mapping("name", "Run stagecrew", "shell", "bash", "env", env, "run", literal(s.Run))
	}
	steps.Content = append(steps.Content, last)
	doc := mapping(
		"name", s.Name,
		"description", s.Description,
		"author", "stagecrew",
		"branding", mapping("icon", s.Icon, "color", "purple"),
		"inputs", inputs,
	)
	if len(outs) > 0 {
		doc.Content = append(doc.Content, str("outputs"), outputs)
	}
	doc.Content = append(doc.Content, str("runs"), mapping("using", "composite", "steps", steps))
	doc.HeadComment = Header + "\n" +
		"Edit pkg/config (Inputs, Outputs, Actions) and run go generate ./... instead.\n" +
		"yaml-language-server: $schema=https://json.schemastore.org/github-action.json"
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}); err != nil {
		return nil, fmt.Errorf("config: rendering %s: %w", s.File(), err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// SetupGo is the setup-go the fallback build uses, pinned by commit.
const SetupGo = "actions/setup-go@40f1582b2485089dde7abd97c1529aa768e1baff"

func setupGo() *yaml.Node {
	n := str(SetupGo)
	n.LineComment = "v5.6.0"
	return n
}

// buildScript builds stagecrew from the action's own checkout, up levels
// above the action's folder: the fallback for a ref with no release.
func buildScript(up string) string {
	return `set -eu
cd "$GITHUB_ACTION_PATH` + up + `"
dir="$(mktemp -d "${RUNNER_TEMP:-/tmp}/stagecrew.XXXXXX")"
bin="$dir/stagecrew$(go env GOEXE)"
start=$SECONDS
go build -trimpath -o "$bin" ./cmd/stagecrew
echo "stagecrew: built from source in $((SECONDS - start)) s (no release at this ref)"
echo "path=$bin" >> "$GITHUB_OUTPUT"
`
}
