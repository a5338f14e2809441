package drift

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/annotations"
	"github.com/stagecrew/stagecrew/pkg/awsauth"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// world is a moto server with resources in several accounts and regions,
// created through roles assumed in those accounts (moto scopes the
// credentials of an assumed role to the role's account).
type world struct {
	m         *testenv.Moto
	tokenFile string
}

func newWorld(t testing.TB) *world {
	t.Helper()
	m := testenv.StartMoto(t)
	m.ModelStateMachines(t) // drift executes nothing; tagged state machines listed
	tok := filepath.Join(t.TempDir(), "token")
	// moto's AssumeRoleWithWebIdentity accepts any token and never checks
	// the role's trust policy: the web identity path runs for real, the
	// trust decision is AWS's.
	if err := os.WriteFile(tok, []byte("eyJhbGciOiJub25lIn0.eyJzdWIiOiJkcmlmdC10ZXN0In0."), 0o600); err != nil {
		t.Fatal(err)
	}
	return &world{m: m, tokenFile: tok}
}

// in returns the configuration of account in region, for setting up.
func (w *world) in(t testing.TB, account, region string) aws.Config {
	return w.m.InAccount(t, account, region)
}

// config is Options.Config as the CLI builds it: the role assumed with a
// web identity token through pkg/awsauth.
func (w *world) config(endpoint string) func(ctx context.Context, role annotations.RoleARN, region string) (aws.Config, error) {
	return func(ctx context.Context, role annotations.RoleARN, region string) (aws.Config, error) {
		cfg, err := awsauth.Config(ctx, awsauth.Options{RoleARN: role, Region: region, Endpoint: w.m.URL,
			TokenFile: w.tokenFile, SessionName: "drift"})
		if err != nil {
			return cfg, err
		}
		cfg.BaseEndpoint = aws.String(endpoint)
		return cfg, nil
	}
}

type tagMap map[string]string

func ecsTags(m tagMap) []ecstypes.Tag {
	var out []ecstypes.Tag
	for k, v := range m {
		out = append(out, ecstypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func sfnTags(m tagMap) []sfntypes.Tag {
	var out []sfntypes.Tag
	for k, v := range m {
		out = append(out, sfntypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

// service creates a cluster (if needed), a task definition of family and
// a service running it; it returns the service ARN.
func service(t testing.TB, cfg aws.Config, cluster, name, family string, tags tagMap) string {
	t.Helper()
	ctx := context.Background()
	c := ecs.NewFromConfig(cfg)
	if _, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(cluster)}); err != nil {
		t.Fatal(err)
	}
	td, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String(family),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("registry.example/" + family + ":1"), Memory: aws.Int32(128)}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String(cluster), ServiceName: aws.String(name),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(0), Tags: ecsTags(tags)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Service.ServiceArn)
}

func deleteService(t testing.TB, cfg aws.Config, cluster, name string) {
	t.Helper()
	if _, err := ecs.NewFromConfig(cfg).DeleteService(context.Background(), &ecs.DeleteServiceInput{Cluster: aws.String(cluster), Service: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

// stateMachine creates a state machine and returns its ARN.
func stateMachine(t testing.TB, cfg aws.Config, name, definition string, tags tagMap) string {
	t.Helper()
	out, err := sfn.NewFromConfig(cfg).CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(definition), Tags: sfnTags(tags),
		RoleArn: aws.String("arn:aws:iam::" + accountOf(cfg) + ":role/sfn")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.StateMachineArn)
}

// publishedAlias creates a state machine with a published version behind
// alias, then changes the latest revision (which the alias does not run).
func publishedAlias(t testing.TB, cfg aws.Config, name, definition, alias string, tags tagMap) string {
	t.Helper()
	ctx := context.Background()
	c := sfn.NewFromConfig(cfg)
	out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(definition),
		Tags: sfnTags(tags), RoleArn: aws.String("arn:aws:iam::" + accountOf(cfg) + ":role/sfn"), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String(alias),
		RoutingConfiguration: []sfntypes.RoutingConfigurationListItem{{StateMachineVersionArn: out.StateMachineVersionArn, Weight: 100}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: out.StateMachineArn,
		Definition: aws.String(strings.Replace(definition, "hi", "unreleased", 1))}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.StateMachineArn)
}

func accountOf(cfg aws.Config) string {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		return "123456789012"
	}
	return aws.ToString(out.Account)
}

// writeRepo writes files into a new folder and returns it.
func writeRepo(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// repoReader reads the files entities name, relative to the folder.
func repoReader(dir string) func(e *catalog.Entity, rel string) ([]byte, error) {
	return func(_ *catalog.Entity, rel string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	}
}
