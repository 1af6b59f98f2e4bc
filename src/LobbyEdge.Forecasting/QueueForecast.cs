using LobbyEdge.Engine;

namespace LobbyEdge.Forecasting;

/// <summary>
/// One staffing change to forecast: open a closed counter (<see cref="AdviceKind.Open"/>), resume a paused or away
/// one (<see cref="AdviceKind.Resume"/>), pause or close an open one (<see cref="AdviceKind.Pause"/>,
/// <see cref="AdviceKind.Close"/>). <see cref="AdviceKind.None"/> is the current staffing.
/// </summary>
/// <param name="Kind">The change; None for the current staffing.</param>
/// <param name="CounterNumber">The counter it applies to (ignored for None).</param>
public readonly record struct StaffingChange(AdviceKind Kind, int CounterNumber)
{
    /// <summary>The current staffing: no change.</summary>
    public static StaffingChange None => default;
}

/// <summary>The forecast of one service over the forecast window under one staffing.</summary>
/// <param name="Service">The service (index into <see cref="BranchConfig.Services"/>).</param>
/// <param name="ExpectedWaitingIn30">Customers forecast to be waiting in its queue 30 minutes from now.</param>
/// <param name="ExpectedWaitingIn60">Customers forecast to be waiting in its queue 60 minutes from now.</param>
/// <param name="ServiceLevel30">Of the customers waiting now or arriving in the next 30 minutes, the share (0..1)
/// forecast to be called within the service's SLA target (1 when there are none).</param>
/// <param name="ServiceLevel60">The same over the next 60 minutes.</param>
/// <param name="MeanWaitMinutes">The mean forecast wait (issue to call), in minutes, of the 30-minute population;
/// customers not called within the window count with their wait at its end.</param>
/// <param name="PastCareThreshold30">Customers of the 30-minute population forecast to wait past the service's care
/// threshold (those already past it included).</param>
public readonly record struct ServiceForecast(int Service, double ExpectedWaitingIn30, double ExpectedWaitingIn60,
    double ServiceLevel30, double ServiceLevel60, double MeanWaitMinutes, int PastCareThreshold30);

/// <summary>
/// The queue forecast of every service for the next minutes (60 by default) under one staffing: what
/// <see cref="QueueForecaster.Forecast"/> returns. Figures by service through the indexer; branch-wide through
/// <see cref="ServiceLevel"/> and <see cref="PastCareThreshold"/> for any horizon up to the window, by the minute.
/// </summary>
public sealed class QueueForecast
{
    private ServiceForecast[] _services = [];
    private int[] _population = [];    // [service * (window + 1) + minute]: customers of the population arriving in that minute (0 = waiting now)
    private int[] _met = [];           // of them, called within the SLA target
    private int[] _pastCare = [];      // of them, waiting past the care threshold
    private int _serviceCount;

    internal QueueForecast()
    {
    }

    /// <summary>The staffing change forecast (None: the current staffing).</summary>
    public StaffingChange Change { get; internal set; }

    /// <summary>The forecast window, whole minutes from <see cref="Now"/>.</summary>
    public int WindowMinutes { get; private set; }

    /// <summary>When the forecast was made.</summary>
    public DateTimeOffset Now { get; internal set; }

    /// <summary>How many services it covers.</summary>
    public int ServiceCount => _serviceCount;

    /// <summary>The forecast of one service (index into <see cref="BranchConfig.Services"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">For an unknown service index.</exception>
    public ServiceForecast this[int service]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(service);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(service, _serviceCount);
            return _services[service];
        }
    }

    /// <summary>
    /// The branch's service level over <paramref name="horizon"/> (whole minutes, clamped to the window): of the
    /// customers waiting now or arriving within it, in every service, the share (0..1) forecast to be called within
    /// their service's SLA target; 1 when there is nobody.
    /// </summary>
    public double ServiceLevel(TimeSpan horizon)
    {
        Sum(horizon, out int population, out int met, out _);
        return population == 0 ? 1.0 : (double)met / population;
    }

    /// <summary>The share (0..1) for one service over <paramref name="horizon"/> (see <see cref="ServiceLevel"/>).</summary>
    public double ServiceLevelOf(int service, TimeSpan horizon)
    {
        SumOf(service, horizon, out int population, out int met, out _);
        return population == 0 ? 1.0 : (double)met / population;
    }

    /// <summary>Customers waiting now or arriving within <paramref name="horizon"/> forecast to wait past their care threshold.</summary>
    public int PastCareThreshold(TimeSpan horizon)
    {
        Sum(horizon, out _, out _, out int past);
        return past;
    }

    /// <summary>Customers waiting now or arriving within <paramref name="horizon"/> (every service).</summary>
    public int Population(TimeSpan horizon)
    {
        Sum(horizon, out int population, out _, out _);
        return population;
    }

    /// <summary>
    /// The branch's service level (0..1) of the customers arriving from minute <paramref name="fromMinute"/> to minute
    /// <paramref name="toMinute"/> of the window, both included (minute 0: those waiting now); 1 when there is nobody.
    /// </summary>
    internal double ServiceLevelOfArrivals(int fromMinute, int toMinute)
    {
        int population = 0;
        int met = 0;
        int first = Math.Max(0, fromMinute);
        int last = Math.Min(WindowMinutes, toMinute);
        for (int s = 0; s < _serviceCount; s++)
        {
            int b = s * (WindowMinutes + 1);
            for (int m = first; m <= last; m++)
            {
                population += _population[b + m];
                met += _met[b + m];
            }
        }

        return population == 0 ? 1.0 : (double)met / population;
    }

    /// <summary>Customers of one service forecast to be called within target over <paramref name="horizon"/>.</summary>
    internal int MetOf(int service, TimeSpan horizon)
    {
        SumOf(service, horizon, out _, out int met, out _);
        return met;
    }

    /// <summary>Sizes the result arrays (growing only) and clears them.</summary>
    internal void Reset(int services, int windowMinutes)
    {
        _serviceCount = services;
        WindowMinutes = windowMinutes;
        int n = services * (windowMinutes + 1);
        if (_population.Length < n)
        {
            _population = new int[n];
            _met = new int[n];
            _pastCare = new int[n];
        }
        else
        {
            Array.Clear(_population, 0, n);
            Array.Clear(_met, 0, n);
            Array.Clear(_pastCare, 0, n);
        }

        if (_services.Length < services)
        {
            _services = new ServiceForecast[services];
        }
    }

    internal void Count(int service, int minute, bool met, bool pastCare)
    {
        int i = (service * (WindowMinutes + 1)) + minute;
        _population[i]++;
        if (met)
        {
            _met[i]++;
        }

        if (pastCare)
        {
            _pastCare[i]++;
        }
    }

    internal void Set(int service, in ServiceForecast forecast) => _services[service] = forecast;

    /// <summary>The forecast of every service, copied (allocates; for the console and metrics).</summary>
    internal ServiceForecast[] ToArray() => _services.AsSpan(0, _serviceCount).ToArray();

    private void Sum(TimeSpan horizon, out int population, out int met, out int past)
    {
        population = 0;
        met = 0;
        past = 0;
        for (int s = 0; s < _serviceCount; s++)
        {
            SumOf(s, horizon, out int p, out int m, out int c);
            population += p;
            met += m;
            past += c;
        }
    }

    private void SumOf(int service, TimeSpan horizon, out int population, out int met, out int past)
    {
        population = 0;
        met = 0;
        past = 0;
        if ((uint)service >= (uint)_serviceCount)
        {
            return;
        }

        int last = (int)Math.Clamp(Math.Ceiling(horizon.TotalMinutes), 0, WindowMinutes);
        int b = service * (WindowMinutes + 1);
        for (int m = 0; m <= last; m++)
        {
            population += _population[b + m];
            met += _met[b + m];
            past += _pastCare[b + m];
        }
    }
}
