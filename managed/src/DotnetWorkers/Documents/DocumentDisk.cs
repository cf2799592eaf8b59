using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;

namespace DotnetWorkers.Documents;

/// <summary>
/// A shared document's copy on disk (<c>--data-dir</c>): <c>NAME.snapshot</c>, the document at
/// one version, and <c>NAME.journal</c>, the patches after it, appended as they commit
/// (docs/protocol.md, "Shared documents on disk"). Both files are a header of 8 bytes, then
/// records: a length (4 bytes), a CRC-32 of the version and the payload (4 bytes), the version
/// (8 bytes, all little-endian), the payload (the document as UTF-8 JSON, or the patch as the
/// region's journal keeps it). Restoring reads the records up to the first that is short or
/// fails its checksum: a crash at any byte loses at most the patch being written, never the
/// document.
/// </summary>
/// <remarks>
/// Writers hold the document's lock; where the journal ends is kept in the region
/// (<see cref="DocumentJournal.Disk"/>), so a writer that died mid-append leaves a tail
/// the next one overwrites. One instance per document and process.
/// </remarks>
internal sealed partial class DocumentDisk : IDisposable
{
    /// <summary>How long an appended patch may wait for its fsync when not every patch is synced.</summary>
    internal static readonly TimeSpan SyncInterval = TimeSpan.FromMilliseconds(100);

    internal const int RecordHeaderBytes = 16;

    private static readonly byte[] JournalMagic = "DWDOCJ01"u8.ToArray();
    private static readonly byte[] SnapshotMagic = "DWDOCS01"u8.ToArray();
    private readonly string _journalPath;
    private readonly string _snapshotPath;
    private readonly Lock _gate = new();
    private SafeFileHandle? _journal;
    private Timer? _syncTimer;
    private bool _syncPending;
    private bool _syncFailed;
    private bool _disposed;

    public DocumentDisk(string directory, string name, bool syncEveryPatch)
    {
        Directory = directory;
        SyncEveryPatch = syncEveryPatch;
        string stem = Path.Combine(directory, FileStem(name));
        _journalPath = stem + ".journal";
        _snapshotPath = stem + ".snapshot";

        // A clean exit syncs what the interval has not yet: "a power loss loses at most 100 ms" holds after it too.
        AppDomain.CurrentDomain.ProcessExit += SyncAtExit;
    }

    public string Directory { get; }

    public bool SyncEveryPatch { get; }

    public string JournalPath => _journalPath;

    /// <summary>The journal's length when it holds no patch: its header.</summary>
    public static long EmptyJournalBytes => JournalMagic.Length;

    /// <summary>
    /// A file name for any document name: letters, digits, '-' and '_' as they are, every other
    /// UTF-8 byte as %XX (so no name reaches outside the directory, and two names never share files).
    /// </summary>
    internal static string FileStem(string name)
    {
        var stem = new StringBuilder(name.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                stem.Append(c);
            }
            else
            {
                stem.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        // A file name holds 255 bytes: a long stem keeps its start and gains a hash of the whole name.
        return stem.Length <= MaxStemLength
            ? stem.ToString()
            : string.Concat(stem.ToString(0, MaxStemLength - 17), "~", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0, 8));
    }

    /// <summary>The longest stem kept as it is: with ".snapshot.new" it stays well inside a file name's 255 bytes.</summary>
    internal const int MaxStemLength = 200;

    /// <summary>
    /// What the files hold: the snapshot with every complete patch after it applied, and where
    /// the journal's last complete record ends; null if the document was never written here.
    /// </summary>
    /// <exception cref="InvalidDataException">The snapshot is damaged (it is replaced whole, by rename, so only another program can damage it).</exception>
    public RestoredDocument? Restore()
    {
        if (!File.Exists(_snapshotPath))
        {
            return null;
        }

        byte[] snapshot = File.ReadAllBytes(_snapshotPath);
        if (!snapshot.AsSpan().StartsWith(SnapshotMagic) || ReadRecord(snapshot, SnapshotMagic.Length, out long version, out ReadOnlySpan<byte> json) < 0)
        {
            throw new InvalidDataException($"The snapshot {_snapshotPath} is damaged: move it away to start the document '{Path.GetFileNameWithoutExtension(_snapshotPath)}' afresh.");
        }

        JsonObject document = JsonNode.Parse(json)!.AsObject();
        long journalBytes = EmptyJournalBytes;
        byte[] journal = File.Exists(_journalPath) ? File.ReadAllBytes(_journalPath) : [];
        if (journal.AsSpan().StartsWith(JournalMagic))
        {
            int at = JournalMagic.Length;
            while (true)
            {
                int next = ReadRecord(journal, at, out long patchVersion, out ReadOnlySpan<byte> payload);
                if (next < 0 || patchVersion > version + 1)
                {
                    break;  // torn or damaged (a crash mid-append), or a gap: what follows is not the next patch
                }

                if (patchVersion == version + 1)
                {
                    DocumentPatchRecord.Parse(payload, out DocumentUpdate update, out DateTimeOffset appliedAt);
                    update.ApplyTo(document, appliedAt);
                    version = patchVersion;
                }

                // A patch the snapshot already holds (a writer died between the two): skipped.
                at = next;
                journalBytes = at;
            }
        }

        return new RestoredDocument(version, document, journalBytes);
    }

    /// <summary>
    /// Writes <paramref name="document"/> at <paramref name="version"/> as the snapshot (a new
    /// file, synced, renamed over the old one), then empties the journal.
    /// </summary>
    public void WriteSnapshot(long version, JsonObject document)
    {
        System.IO.Directory.CreateDirectory(Directory);
        int header = SnapshotMagic.Length + RecordHeaderBytes;
        ArrayBufferWriter<byte> buffer = DocumentJson.After(header, document);
        Span<byte> bytes = MemoryMarshal.AsMemory(buffer.WrittenMemory).Span;
        SnapshotMagic.CopyTo(bytes);
        WriteRecord(bytes[SnapshotMagic.Length..], version, bytes[header..]);  // the payload is in place already
        string temporary = _snapshotPath + ".new";
        using (SafeFileHandle file = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(file, bytes, 0);
            RandomAccess.FlushToDisk(file);
        }

        lock (_gate)
        {
            // Created (if it is new) before the directory is synced: its entry is then as durable as the snapshot's.
            SafeFileHandle journal = OpenJournal();
            File.Move(temporary, _snapshotPath, overwrite: true);
            SyncDirectory();
            RandomAccess.SetLength(journal, EmptyJournalBytes);
            RandomAccess.Write(journal, JournalMagic, 0);
            RandomAccess.FlushToDisk(journal);
            (_syncPending, _syncFailed) = (false, false);  // everything is synced now
        }
    }

    /// <summary>
    /// Appends <paramref name="records"/> (version, payload) at <paramref name="offset"/>, where
    /// the last complete record ends, cutting any tail a dead writer left; syncs now or within
    /// <see cref="SyncInterval"/>. Returns where the journal ends now, or -1 if the journal is
    /// not as the region says (shorter: a writer died emptying it for a snapshot) or an interval's
    /// fsync failed since: then nothing is appended, and the caller writes a snapshot instead.
    /// </summary>
    public long Append(long offset, IReadOnlyList<(long Version, byte[] Payload)> records)
    {
        int size = 0;
        foreach ((_, byte[] payload) in records)
        {
            size += RecordHeaderBytes + payload.Length;
        }

        byte[] bytes = new byte[size];
        int at = 0;
        foreach ((long version, byte[] payload) in records)
        {
            at += WriteRecord(bytes.AsSpan(at), version, payload);
        }

        lock (_gate)
        {
            SafeFileHandle journal = OpenJournal();
            long length = RandomAccess.GetLength(journal);
            if (length < offset || _syncFailed)
            {
                // Extending it would leave zeros that end every later restore there; and after a
                // failed fsync, the kernel may have dropped what it held. A snapshot rewrites both.
                _syncFailed = false;
                return -1;
            }

            if (length != offset)
            {
                RandomAccess.SetLength(journal, offset);
            }

            if (offset == EmptyJournalBytes)
            {
                RandomAccess.Write(journal, JournalMagic, 0);  // a header a power loss damaged would hide every record after it
            }

            RandomAccess.Write(journal, bytes, offset);
            if (SyncEveryPatch)
            {
                RandomAccess.FlushToDisk(journal);
            }
            else if (!_syncPending)
            {
                // The bytes are in the kernel's cache: a crash of this process loses none of
                // them, only the machine's loss of power loses up to the interval's worth.
                _syncPending = true;
                _syncTimer ??= new Timer(static state => ((DocumentDisk)state!).SyncNow(), this, Timeout.Infinite, Timeout.Infinite);
                _syncTimer.Change(SyncInterval, Timeout.InfiniteTimeSpan);
            }
        }

        return offset + size;
    }

    /// <summary>Syncs what was appended but not yet synced.</summary>
    public void SyncNow()
    {
        lock (_gate)
        {
            if (_syncPending && _journal is { IsClosed: false } journal)
            {
                try
                {
                    RandomAccess.FlushToDisk(journal);
                }
                catch (IOException e)
                {
                    // A retried fsync may succeed with the data lost: the next append writes a
                    // snapshot instead (synced, it holds every patch), and this is said once.
                    _syncFailed = true;
                    Console.Error.WriteLine($"dotnet-workers: syncing {_journalPath} failed ({e.Message}); the next patch writes a snapshot");
                }
            }

            _syncPending = false;
        }
    }

    private void SyncAtExit(object? sender, EventArgs e) => SyncNow();

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= SyncAtExit;
        SyncNow();
        lock (_gate)
        {
            _disposed = true;
            _syncTimer?.Dispose();
            _journal?.Dispose();
        }
    }

    /// <summary>Reads the record at <paramref name="at"/>: where the next begins, or -1 if it is short or fails its checksum.</summary>
    internal static int ReadRecord(ReadOnlySpan<byte> file, int at, out long version, out ReadOnlySpan<byte> payload)
    {
        version = 0;
        payload = default;
        if (file.Length - at < RecordHeaderBytes)
        {
            return -1;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(file[at..]);
        uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(file[(at + 4)..]);
        if (length > file.Length - at - RecordHeaderBytes)
        {
            return -1;
        }

        ReadOnlySpan<byte> covered = file.Slice(at + 8, 8 + (int)length);
        if (Crc32.HashToUInt32(covered) != checksum)
        {
            return -1;
        }

        version = BinaryPrimitives.ReadInt64LittleEndian(covered);
        payload = covered[8..];
        return at + RecordHeaderBytes + (int)length;
    }

    private static int WriteRecord(Span<byte> into, long version, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(into, (uint)payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(into[8..], version);
        payload.CopyTo(into[RecordHeaderBytes..]);
        BinaryPrimitives.WriteUInt32LittleEndian(into[4..], Crc32.HashToUInt32(into.Slice(8, 8 + payload.Length)));
        return RecordHeaderBytes + payload.Length;
    }

    private SafeFileHandle OpenJournal()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_journal is null)
        {
            System.IO.Directory.CreateDirectory(Directory);
            _journal = File.OpenHandle(_journalPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            if (RandomAccess.GetLength(_journal) < EmptyJournalBytes)
            {
                RandomAccess.Write(_journal, JournalMagic, 0);
            }
        }

        return _journal;
    }

    /// <summary>
    /// A rename is durable once its directory is synced. .NET opens no directory as a file, so
    /// through libc: open(2) read-only, fsync(2). Best effort: some file systems refuse it, and
    /// the rename is atomic either way.
    /// </summary>
    private void SyncDirectory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = Libc.Open(Directory, Libc.ReadOnlyCloseOnExec);
        if (fd >= 0)
        {
            _ = Libc.Fsync(fd);
            _ = Libc.Close(fd);
        }
    }

    private static partial class Libc
    {
        /// <summary>O_RDONLY | O_CLOEXEC (02000000 on every Linux .NET runs on).</summary>
        internal const int ReadOnlyCloseOnExec = 0x80000;

        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync")]
        internal static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close")]
        internal static partial int Close(int fd);
    }
}

/// <summary>What <see cref="DocumentDisk.Restore"/> found: the document at a version, and where the journal's complete records end.</summary>
internal sealed record RestoredDocument(long Version, JsonObject Document, long JournalBytes);
