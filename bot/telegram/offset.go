package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// OffsetStore keeps the long-polling offset across restarts: the id of the
// first update not yet handled. It is kept per bot (the user id getMe
// reports), because update ids count per bot: an offset saved for another
// bot would make Telegram skip this one's updates. Load returns 0 when
// nothing was saved.
type OffsetStore interface {
	Load(ctx context.Context, bot int64) (int, error)
	Save(ctx context.Context, bot int64, offset int) error
}

// MemoryOffsets keeps offsets in memory: for tests, and for a process that
// may answer the last few updates again after a restart.
type MemoryOffsets struct {
	mu      sync.Mutex
	offsets map[int64]int
}

// Load returns the saved offset.
func (m *MemoryOffsets) Load(_ context.Context, bot int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.offsets[bot], nil
}

// Save keeps offset.
func (m *MemoryOffsets) Save(_ context.Context, bot int64, offset int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.offsets == nil {
		m.offsets = map[int64]int{}
	}
	m.offsets[bot] = offset
	return nil
}

// FileOffsets keeps offsets in a small JSON file ({"<bot id>": offset}),
// replaced atomically.
type FileOffsets struct {
	Path string
	mu   sync.Mutex
}

// Load reads the bot's offset; a missing file or bot is offset 0.
func (f *FileOffsets) Load(_ context.Context, bot int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	all, err := f.read()
	return all[strconv.FormatInt(bot, 10)], err
}

// Save writes the file anew and renames it over the old one, so that a crash
// leaves the old offsets or the new ones, never half of them.
func (f *FileOffsets) Save(_ context.Context, bot int64, offset int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	all, err := f.read()
	if err != nil {
		all = map[string]int{} // unreadable: start it again rather than never save
	}
	all[strconv.FormatInt(bot, 10)] = offset
	data, _ := json.Marshal(all)
	if err := writeAtomic(f.Path, append(data, '\n')); err != nil {
		return fmt.Errorf("save telegram offset: %w", err)
	}
	return nil
}

func (f *FileOffsets) read() (map[string]int, error) {
	all := map[string]int{}
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return all, nil
	}
	if err != nil {
		return all, fmt.Errorf("read telegram offset: %w", err)
	}
	if err := json.Unmarshal(b, &all); err != nil {
		return map[string]int{}, fmt.Errorf("telegram offset file %s: %w", f.Path, err)
	}
	return all, nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".telegram-offset-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

var (
	_ OffsetStore = (*MemoryOffsets)(nil)
	_ OffsetStore = (*FileOffsets)(nil)
)
