using System.Text;

namespace Nn.Simd.Data;

/// <summary>
/// Lines of text in bounded memory: a line longer than <see cref="ReadLimits.MaxLineLength"/>
/// characters (e.g. the NUL bytes of /dev/zero, which never end a line) stops reading with a
/// one-line error naming the source, the line and the limit, instead of growing without end. A
/// byte-order mark (U+FEFF) at the very start is skipped, whether or not the reader below already
/// did. Lines end at "\n", "\r\n" or "\r". Each line is handed out as soon as its end arrives, so
/// a pipe that stays open is read row by row.
/// </summary>
internal sealed class CsvLineReader(TextReader reader, string source, int maxLength)
{
    private readonly char[] _buffer = new char[1 << 14];
    private readonly StringBuilder _line = new();
    private int _position;
    private int _length;
    private bool _afterCarriageReturn;
    private bool _started;

    /// <summary>The 1-based number of the line last returned.</summary>
    public int LineNumber { get; private set; }

    /// <summary>The next line without its end, or null at the end of the text.</summary>
    /// <returns>The line.</returns>
    /// <exception cref="InvalidDataException">The line is longer than the limit.</exception>
    public string? ReadLine()
    {
        _line.Clear();
        bool any = false;
        while (true)
        {
            if (_position == _length && !Fill())
            {
                return any ? Finish() : null;
            }

            if (_afterCarriageReturn)
            {
                _afterCarriageReturn = false;
                if (_buffer[_position] == '\n')
                {
                    _position++;
                    continue;
                }
            }

            if (!_started)
            {
                _started = true;
                if (_buffer[_position] == '\uFEFF')
                {
                    _position++;
                    continue;
                }
            }

            any = true;
            ReadOnlySpan<char> rest = _buffer.AsSpan(_position, _length - _position);
            int end = rest.IndexOfAny('\r', '\n');
            int take = end < 0 ? rest.Length : end;
            if (_line.Length + take > maxLength)
            {
                throw new InvalidDataException($"{source}:{LineNumber + 1}: the line is longer than {maxLength:N0} characters, the limit (ReadLimits.MaxLineLength).");
            }

            _line.Append(rest[..take]);
            _position += take;
            if (end >= 0)
            {
                _afterCarriageReturn = _buffer[_position] == '\r';
                _position++;
                return Finish();
            }
        }
    }

    private string Finish()
    {
        LineNumber++;
        return _line.ToString();
    }

    private bool Fill()
    {
        _position = 0;
        _length = reader.Read(_buffer, 0, _buffer.Length);
        return _length > 0;
    }
}
