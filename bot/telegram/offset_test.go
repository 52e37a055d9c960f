package telegram

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestFileOffsetsKeepsOneOffsetPerBot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "offsets.json")
	a := &FileOffsets{Path: path}
	if got, err := a.Load(ctx, 1); got != 0 || err != nil {
		t.Fatalf("empty store: %d, %v", got, err)
	}
	if err := a.Save(ctx, 1, 1001); err != nil {
		t.Fatal(err)
	}
	if err := a.Save(ctx, 2, 52); err != nil {
		t.Fatal(err)
	}
	b := &FileOffsets{Path: path} // another process, later
	if got, _ := b.Load(ctx, 1); got != 1001 {
		t.Errorf("bot 1: %d", got)
	}
	if got, _ := b.Load(ctx, 2); got != 52 {
		t.Errorf("bot 2: %d", got)
	}
	if got, _ := b.Load(ctx, 3); got != 0 {
		t.Errorf("a bot never saved: %d, want 0 (not another bot's offset)", got)
	}
}

func TestFileOffsetsRecoversFromAGarbledFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "offsets.json")
	if err := os.WriteFile(path, []byte("{half"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &FileOffsets{Path: path}
	if _, err := s.Load(ctx, 1); err == nil {
		t.Error("a garbled file loads without error")
	}
	if err := s.Save(ctx, 1, 7); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, 1); got != 7 || err != nil {
		t.Errorf("after saving: %d, %v", got, err)
	}
}
