namespace DotnetWorkers.Native;

/// <summary>
/// Mirror of runtime/include/dotnet_workers/dw_status.h. Append-only, like the C table:
/// numbers are never reused.
/// </summary>
internal enum DwStatus
{
    Ok = 0,
    InvalidArgument = 1,
    System = 2,
    BadMagic = 3,
    LayoutVersion = 4,
    FormatWord = 5,
    NotMapped = 6,
    BadDescriptor = 7,
    Timeout = 8,
    RegionUnavailable = 9,
    SizeMismatch = 10,
    NotFound = 11,
    AddressInUse = 12,
    NotThisProcess = 13,
    Exhausted = 14,
    Corrupt = 15,
    BufferTooSmall = 16,
    NotACounter = 17,
    Conflict = 18,
    Capacity = 19,
    Abandoned = 20,
    NotOwner = 21,
    Closed = 22,
    TypeMismatch = 23,
}
