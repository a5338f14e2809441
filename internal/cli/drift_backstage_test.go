package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagecrew/stagecrew/internal/testenv"
	"github.com/stagecrew/stagecrew/pkg/backstage"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// drift --backstage reads the whole catalog from a real Backstage backend
// (test/backstage) instead of files.
func TestDriftBackstage(t *testing.T) {
	_, env := driftWorld(t)
	repo := writeFiles(t, map[string]string{"catalog-info.yaml": driftCatalog, "orders.asl.json": driftDefinition})
	srv := testenv.NewBackstage(t, testenv.BackstageOptions{CatalogFile: filepath.Join(repo, "catalog-info.yaml"),
		Env: []string{`APP_CONFIG_catalog_processingInterval={"seconds": 1}`}})
	if srv == nil {
		return // skipped loudly by testenv (not in CI)
	}
	client, err := backstage.New(srv.URL, srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := catalog.ParseRef("component:default/orders", "", "")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := client.Entity(context.Background(), ref); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Backstage did not ingest the catalog file within 60s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	benv := map[string]string{"BACKSTAGE_TOKEN": srv.Token}
	for k, v := range env {
		benv[k] = v
	}
	t.Logf("catalog ingested")
	code, out, errOut := run(t, benv, "drift", "--backstage", srv.URL, "--repo-root", repo)
	if code != ExitInvalid || !strings.Contains(out, "✗ 1 phantom, 1 orphan: 1 entity in 2 environment checks, 2 account regions scanned") ||
		!strings.Contains(out, "phantom component:default/orders [production]") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, srv.Token) {
		t.Error("the Backstage token was printed")
	}
}
