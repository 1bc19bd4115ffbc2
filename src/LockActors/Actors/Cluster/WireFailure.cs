using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using LockActors.Storage;

namespace LockActors.Actors.Cluster;

/// <summary>
/// A LockActors exception as it crosses the network: its type, message and the values of its own fields (the holder's
/// metadata, the time waited…), so the caller on another node catches the same typed exception with the same
/// properties. Akka's own exception serialization keeps only settable public properties, which these do not have.
/// </summary>
/// <param name="TypeName">The exception's assembly-qualified type name.</param>
/// <param name="Message">Its message.</param>
/// <param name="Fields">Its instance fields below <see cref="Exception"/>, each as JSON of the field's type.</param>
/// <param name="Inner">Its inner exception.</param>
internal sealed record WireFailure(string TypeName, string Message, Dictionary<string, string> Fields, WireFailure? Inner)
{
    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly;
    private static readonly FieldInfo? MessageField = typeof(Exception).GetField("_message", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly FieldInfo? InnerField = typeof(Exception).GetField("_innerException", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>The wire form of <paramref name="error"/>.</summary>
    public static WireFailure From(Exception error)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in FieldsOf(error.GetType()))
        {
            try
            {
                var value = field.GetValue(error);
                fields[field.DeclaringType!.Name + "." + field.Name] = value is SidecarKey key
                    ? JsonSerializer.Serialize(key.Target.Normalized)
                    : JsonSerializer.Serialize(value, field.FieldType);
            }
            catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
            {
                // A value JSON cannot carry stays at its default on the other side; the type and message still do.
            }
        }

        return new WireFailure(error.GetType().AssemblyQualifiedName ?? error.GetType().FullName!, error.Message, fields, error.InnerException is { } inner ? From(inner) : null);
    }

    /// <summary>
    /// The exception again. Only LockActors exceptions and <see cref="OperationCanceledException"/> are rebuilt as
    /// themselves; any other type (or one this node cannot load) arrives as a <see cref="StoreUnavailableException"/>
    /// carrying the message.
    /// </summary>
    public Exception ToException()
    {
        var type = Type.GetType(TypeName, throwOnError: false);
        if (type is null || !IsRebuildable(type) || MessageField is null || InnerField is null)
        {
            return new StoreUnavailableException(Message, Inner?.ToException());
        }

        var error = (Exception)RuntimeHelpers.GetUninitializedObject(type);
        MessageField.SetValue(error, Message);
        InnerField.SetValue(error, Inner?.ToException());
        foreach (var field in FieldsOf(type))
        {
            if (Fields.TryGetValue(field.DeclaringType!.Name + "." + field.Name, out var json))
            {
                try
                {
                    field.SetValue(error, field.FieldType == typeof(SidecarKey)
                        ? LockTarget.Parse(JsonSerializer.Deserialize<string>(json)!).Sidecar
                        : JsonSerializer.Deserialize(json, field.FieldType));
                }
                catch (Exception e) when (e is NotSupportedException or JsonException or LockException or ArgumentException)
                {
                }
            }
        }

        return error;
    }

    private static bool IsRebuildable(Type type) =>
        typeof(Exception).IsAssignableFrom(type) && !type.IsAbstract
        && (typeof(LockException).IsAssignableFrom(type) || type == typeof(OperationCanceledException) || type == typeof(TaskCanceledException));

    private static IEnumerable<FieldInfo> FieldsOf(Type type)
    {
        for (var t = type; t is not null && t != typeof(Exception) && t != typeof(object); t = t.BaseType)
        {
            foreach (var field in t.GetFields(InstanceFields))
            {
                if (!typeof(Exception).IsAssignableFrom(field.FieldType))
                {
                    yield return field;
                }
            }
        }
    }
}
